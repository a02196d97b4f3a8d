"""Development settings: `make run` and `manage.py` by default. DEBUG is on unless set."""

from dac_portal.federation_settings import allauth_providers_setting, parse_providers

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-not-for-production")
OTP_REQUIRED_FOR_PRIVILEGED = env.bool("OTP_REQUIRED_FOR_PRIVILEGED", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come straight from the app folders (no collectstatic outside production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# The providers are read again with development's DEBUG: a provider on a loopback address
# may then be plain http (dac_portal.federation_settings).
OIDC_PROVIDERS = parse_providers(env.str("OIDC_PROVIDERS", default=""), debug=DEBUG)
SOCIALACCOUNT_PROVIDERS = allauth_providers_setting(OIDC_PROVIDERS)
