"""Settings shared by every environment.

The environment is read here and nowhere else (django-environ). Every variable is listed,
with its default, in the README's configuration table.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

from dac_portal.federation_settings import (
    allauth_providers_setting,
    parse_providers,
    parse_trusted_issuers,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies in front of the portal append to X-Forwarded-For. 0: trust no
# forwarded address (the audit log records REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The public base URL is used in GA4GH visas (iss, jku, value) and in e-mails.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Where private runtime state lives (development keys, uploaded files, the embedded broker).
# It is outside the repository's tracked files and ignored by git.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    # Country names in the reader's language (docs/adr/0012); codes stay ISO 3166-1 in the data.
    "django_countries",
    # Federated sign-in (docs/adr/0013): allauth's OpenID Connect client, with our provider
    # class (accounts.federation) adding the nonce and the ID token's verification.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "accounts",
    "audit",
    "consent",
    "access_requests",
    "agreements",
    "transparency",
    "notifications",
    "data_hosts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dac_portal.middleware.RequestIdMiddleware",
    "dac_portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "dac_portal.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dac_portal.urls"
WSGI_APPLICATION = "dac_portal.wsgi.application"
ASGI_APPLICATION = "dac_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "dac_portal.navigation.nav_items",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# SQLite by default so that `make run` needs no server; DATABASE_URL selects PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process, worker and beat share the file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that accepts connections but never answers must not hold a web worker until
    # gunicorn kills it: a connection attempt gives up after this many seconds and the page
    # answers 503 (libpq counts whole seconds, and treats anything below 2 as 2).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
# A PostgreSQL read replica (docs/scaling.md). When set, the public pages below, requested
# with GET or HEAD by a visitor who is not signed in, read from it (dac_portal.db_routing);
# everything else reads and writes DATABASE_URL, as the portal must read its own writes.
# Unset: no "replica" alias, no router, no middleware.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
# The URL names of those pages: public, read-only, the same for every visitor. Not the
# committee's members page (chairs), nor anything behind a sign-in.
REPLICA_READ_URL_NAMES = [
    "transparency:register",
    "transparency:committee",
    "transparency:statistics",
    "consent:catalogue",
    "consent:dataset",
    "consent:disease-search",
]
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    _replica = environ.Env.db_url_config(DATABASE_REPLICA_URL)
    _replica["ATOMIC_REQUESTS"] = False
    if _replica["ENGINE"] == "django.db.backends.sqlite3":
        # A copy of the file, for trying the routing out; it is only read.
        _replica.setdefault("OPTIONS", {}).setdefault("timeout", 20)
    else:
        # The same connection reuse, health checks and bounded connect as the primary.
        _replica["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        _replica["CONN_HEALTH_CHECKS"] = True
        _replica.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
        )
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["dac_portal.db_routing.ReplicaRouter"]
    # Last, so that the session and the user are read (from the primary) before a public
    # read begins.
    MIDDLEWARE = [*MIDDLEWARE, "dac_portal.db_routing.ReplicaReadMiddleware"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Least privilege (docs/adr/0008): DATABASE_URL names the role the portal runs as, which
# owns nothing; MIGRATION_DATABASE_URL, when set, names the role that owns the tables, and
# only `manage.py migrate` and `setup_db_roles` connect with it (same server and database;
# its user and password are used). Unset (SQLite, development): one role does everything.
_migration_database_url = env.str("MIGRATION_DATABASE_URL", default="")
MIGRATION_DATABASE = (
    environ.Env.db_url_config(_migration_database_url) if _migration_database_url else None
)
DATABASE_APP_ROLE = DATABASES["default"].get("USER", "")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions: 14 days (Django's default) for most people; a chair, steward, administrator or
# auditor is signed out after PRIVILEGED_SESSION_SECONDS. Decisions, revocations, audit
# exports and new API tokens need the password checked within REAUTH_MAX_AGE_SECONDS
# (accounts.sessions).
PRIVILEGED_SESSION_SECONDS = env.int("PRIVILEGED_SESSION_SECONDS", default=12 * 3600)
REAUTH_MAX_AGE_SECONDS = env.int("REAUTH_MAX_AGE_SECONDS", default=15 * 60)
LOGIN_URL = "accounts:login"

# Federated sign-in (docs/identity.md). OIDC_PROVIDERS: a JSON list of {id, name, issuer,
# client_id, client_secret, scopes}; GA4GH_VISA_TRUSTED_ISSUERS: a JSON object, visa issuer →
# JWKS URL. LOCAL_LOGIN_ENABLED=false keeps passwords for administrators only.
OIDC_PROVIDERS = parse_providers(env.str("OIDC_PROVIDERS", default=""), debug=DEBUG)
GA4GH_VISA_TRUSTED_ISSUERS = parse_trusted_issuers(
    env.str("GA4GH_VISA_TRUSTED_ISSUERS", default="")
)
LOCAL_LOGIN_ENABLED = env.bool("LOCAL_LOGIN_ENABLED", default=True)
# How long a provider's discovery document and JWKS are kept before they are read again.
OIDC_METADATA_CACHE_SECONDS = env.int("OIDC_METADATA_CACHE_SECONDS", default=3600)
# Seconds of clock difference tolerated between the portal and a provider or visa issuer.
OIDC_CLOCK_SKEW_SECONDS = env.int("OIDC_CLOCK_SKEW_SECONDS", default=60)
SOCIALACCOUNT_PROVIDERS = allauth_providers_setting(OIDC_PROVIDERS)
SOCIALACCOUNT_ADAPTER = "accounts.federation.adapter.PortalSocialAccountAdapter"
ACCOUNT_ADAPTER = "accounts.federation.adapter.PortalAccountAdapter"
# The button on the sign-in page posts; a GET only shows a confirmation (login CSRF).
SOCIALACCOUNT_LOGIN_ON_GET = False
# A first sign-in makes the account from the claims and asks only for what is missing.
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
# An e-mail address alone never links a provider identity to an existing account: linking
# is done by the person, signed in and re-authenticated (docs/identity.md).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*"]
ACCOUNT_UNIQUE_EMAIL = True
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock out an account from one address after AXES_FAILURE_LIMIT failures, and
# from every address after AXES_USERNAME_FAILURE_LIMIT failures from anywhere (password
# spraying from many addresses); accounts.lockout explains the two limits.
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_USERNAME = env.int("AXES_USERNAME_FAILURE_LIMIT", default=20)
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Two-factor authentication (TOTP) for the roles that can change decisions or read the
# audit trail. Off by default in development so the demo users can sign in at once.
OTP_REQUIRED_FOR_PRIVILEGED = env.bool("OTP_REQUIRED_FOR_PRIVILEGED", default=not DEBUG)
OTP_TOTP_ISSUER = "DAC portal"

LANGUAGE_CODE = "en"
# The six official languages of the United Nations (and of WHO), each named in itself.
LANGUAGES = [
    ("ar", "العربية"),
    ("zh-hans", "中文（简体）"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
]
# One date format per language, from the locale's format module (dac_portal/formats/).
FORMAT_MODULE_PATH = ["dac_portal.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy without 'unsafe-inline': every script and style is a file.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.api_permissions.NotServiceAccount",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["dac_portal.input_policy.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "dac_portal.api.PageNumberPagination",
    "EXCEPTION_HANDLER": "dac_portal.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="100000/hour"),
    },
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# The API's input policy (dac_portal.input_policy): the largest JSON body, in bytes, and how
# deeply it may nest. Uploads have their own limit (DOCUMENT_MAX_BYTES).
API_MAX_JSON_BYTES = env.int("API_MAX_JSON_BYTES", default=1024 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
SPECTACULAR_SETTINGS = {
    "TITLE": "DAC portal API",
    "DESCRIPTION": "Access requests, consent evaluation, grants, GA4GH visas and the audit log.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "AUTHENTICATION_WHITELIST": ["accounts.authentication.BearerTokenAuthentication"],
    # Several resources have a "status"; name each choice set after what it belongs to.
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "access_requests.models.RequestStatus",
        "GrantStatusEnum": "agreements.models.GrantStatus",
        "OutsideReviewerKindEnum": "access_requests.models.OutsideReviewerKind",
        # A document's kind keeps the name it had before outside reviewers had one too.
        "KindEnum": "access_requests.models.Document.Kind",
        "AppealStatusEnum": "access_requests.models.AppealStatus",
        "AppealVoteEnum": ["uphold", "overturn", "abstain"],
        "AppealOutcomeEnum": ["upheld", "overturned"],
        # A request's outcome keeps the name it had before appeals had an outcome too.
        "OutcomeEnum": ["approved", "partly_approved", "rejected"],
        # A vote on a request or a renewal, beside an appeal's (uphold, overturn, abstain).
        "VoteEnum": ["approve", "reject", "abstain"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dac_portal.schema.add_error_responses",
    ],
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "dac-portal",
    }
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport, which needs
# no server and lets `make run` start a worker and beat beside the web process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
# Bounded waits on the broker. A web request publishes after its commit, and a broker that
# accepts connections but never answers (a paused or wedged Redis) would otherwise hold the
# request until gunicorn kills the worker: every connect and every read gives up after these
# many seconds, the outbox keeps the message and the periodic flush sends it.
CELERY_BROKER_CONNECT_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0)
CELERY_BROKER_SOCKET_TIMEOUT = env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=1.0)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_CONNECT_TIMEOUT
# The timeouts are in the options of either transport (the filesystem one ignores them), so
# they also apply when a test or an operator points the app at Redis later.
_broker_timeouts = {
    "socket_connect_timeout": CELERY_BROKER_CONNECT_TIMEOUT,
    "socket_timeout": CELERY_BROKER_SOCKET_TIMEOUT,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "visibility_timeout": 3600,
        **_broker_timeouts,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # kombu keeps its exchange tables here (default: ./control in the working folder).
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        **_broker_timeouts,
    }
# Results are kept only where a caller asks for one (ignore_result=False), in Redis.
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic jobs come from the registry in dac_portal/jobs.py alone: beat has one entry per
# registered job and no other (docs/jobs-and-notifications.md).
CELERY_BEAT_SCHEDULER = "dac_portal.jobs:RegistryScheduler"
CELERY_IMPORTS = ["dac_portal.jobs"]

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Where the file e-mail backend (django.core.mail.backends.filebased.EmailBackend) writes;
# a filemail:// EMAIL_URL, read below, names its own folder and wins.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="dac-portal@localhost")
# The notification outbox: a failed send is retried with a backoff doubling from BASE up
# to MAX seconds; after MAX_ATTEMPTS the row is marked failed (kept, shown in the admin).
NOTIFICATION_RETRY_BASE_SECONDS = 60
NOTIFICATION_RETRY_MAX_SECONDS = 6 * 3600
NOTIFICATION_MAX_ATTEMPTS = 20
NOTIFICATION_FLUSH_BATCH = 500
# A mail server that hangs must not hold an outbox row (and its lock) for ever.
EMAIL_TIMEOUT = 30
# How often the outbox flush runs. It is the retry of every send that could not be handed
# to the broker, so it runs often enough that mail catches up within a minute of the
# broker's return; a run with nothing due is one indexed query.
NOTIFICATION_FLUSH_INTERVAL_SECONDS = 60
# After a publish to the broker failed, this process stops trying for so many seconds and
# leaves new messages to the flush, so that a request queueing several messages waits for
# the broker's timeout once, not once per message.
NOTIFICATION_PUBLISH_PAUSE_SECONDS = 30

# Webhooks to data hosts (docs/data-hosts.md). Targets must be public https:// addresses;
# WEBHOOK_ALLOW_PRIVATE_TARGETS lets a deployment (or the tests) reach loopback and private
# networks. A failed delivery is retried with a backoff doubling from BASE up to MAX
# seconds, for WEBHOOK_RETRY_HOURS, then marked failed.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3600)
WEBHOOK_RETRY_HOURS = env.int("WEBHOOK_RETRY_HOURS", default=26)
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
# How long one attempt holds a delivery before another sender may take it again.
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=60)
WEBHOOK_FLUSH_INTERVAL_SECONDS = 60
WEBHOOK_FLUSH_BATCH = 500
# How many deliveries the flush job sends at once (threads doing HTTP only).
WEBHOOK_SEND_CONCURRENCY = env.int("WEBHOOK_SEND_CONCURRENCY", default=8)

# Demo data: the shared password of the seeded demo users.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo")
# …and a year of decided requests behind them, for the statistics page (transparency.demo).
DEMO_HISTORY = env.bool("DEMO_HISTORY", default=True)

# Ontology release files imported by `make run` (see consent.ontology).
_default_ontology_dir = BASE_DIR.parent / "shared" / "data" / "ontologies"
ONTOLOGY_DIR = env.str(
    "ONTOLOGY_DIR", default=str(_default_ontology_dir) if _default_ontology_dir.exists() else ""
)

# Audit signing key (Ed25519, PEM, PKCS8). Empty: a development key is generated on first
# use under VAR_DIR/keys and reused; production refuses to start without one.
AUDIT_SIGNING_KEY = env.str("AUDIT_SIGNING_KEY", default="")
AUDIT_SIGNING_KEY_FILE = env.str("AUDIT_SIGNING_KEY_FILE", default="")
# Public keys (PEM, comma-separated) of retired audit signing keys: manifests and checkpoints
# signed before a key rotation keep verifying (docs/audit-log.md, "Key rotation").
AUDIT_VERIFY_KEYS = env.list("AUDIT_VERIFY_KEYS", default=[])
# Where signed audit checkpoints are also appended, outside the database, so that a cut
# tail of the log is detectable (empty: VAR_DIR/audit/checkpoints.jsonl).
AUDIT_CHECKPOINT_FILE = env.str("AUDIT_CHECKPOINT_FILE", default="")

# GA4GH visa signing (ES256): an EC P-256 private key in PEM, or a file holding one. Empty:
# a development key is generated under VAR_DIR/keys; `check --deploy` refuses that.
VISA_SIGNING_KEY = env.str("VISA_SIGNING_KEY", default="")
VISA_SIGNING_KEY_FILE = env.str("VISA_SIGNING_KEY_FILE", default="")
# Public keys (PEM, comma-separated) of retired visa keys, still published in the JWKS until
# the visas they signed have expired (docs/agreements-and-grants.md).
VISA_RETIRED_PUBLIC_KEYS = env.list("VISA_RETIRED_PUBLIC_KEYS", default=[])
VISA_LIFETIME_SECONDS = env.int("VISA_LIFETIME_SECONDS", default=3600)

# Encryption keys for uploaded documents (comma-separated Fernet keys, newest first).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# Access request documents: the largest upload accepted, in bytes (PDF, ODT, DOCX).
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# The catalogue import page: the largest file it checks (about 30,000 rows); larger files
# go through `manage.py import_catalogue`, which streams them (docs/catalogue.md).
CATALOGUE_UPLOAD_MAX_BYTES = env.int("CATALOGUE_UPLOAD_MAX_BYTES", default=5_000_000)

# API tokens: default and maximum lifetime in days.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)

# Public statistics (/stats/, committee pages): seconds the figures are kept in the cache
# before the database computes them again (0: every view computes them).
TRANSPARENCY_STATS_CACHE_SECONDS = env.int("TRANSPARENCY_STATS_CACHE_SECONDS", default=300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
