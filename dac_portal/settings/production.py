"""Production settings: secure cookies, HSTS, and no start without real secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AUDIT_SIGNING_KEY, AUDIT_SIGNING_KEY_FILE, SECRET_KEY, env

DEBUG = False
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not (AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE):
    raise ImproperlyConfigured(
        "AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE must be set in production."
    )

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
OTP_REQUIRED_FOR_PRIVILEGED = True
