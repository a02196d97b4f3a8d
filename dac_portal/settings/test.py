"""Test settings: fast hashing, mail kept in memory, Celery in process unless a test asks
for the real broker. DATABASE_URL and REDIS_URL still select PostgreSQL and Redis."""

from .base import *  # noqa: F403
from .base import DATABASES, MIGRATION_DATABASE, VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# The suite's seed stays small: tests that want the demo history seed it themselves.
DEMO_HISTORY = False
OTP_REQUIRED_FOR_PRIVILEGED = env.bool("OTP_REQUIRED_FOR_PRIVILEGED", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The throttles would make the authorization matrix flaky; their own tests re-enable them.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
}
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
VAR_DIR = VAR_DIR / "test"
MEDIA_ROOT = VAR_DIR / "media"
INSTALLED_APPS = [*INSTALLED_APPS, "tests.support"]  # noqa: F405
# Static files come straight from the app folders (no collectstatic outside production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# With MIGRATION_DATABASE_URL set (as in CI), the suite runs as deployed: the owner role
# creates and migrates the test databases (it needs CREATEDB), and every test connection
# then acts as DATABASE_URL's role, which owns nothing (SET ROLE, tests/support/roles.py).
# Logging in as the owner and switching role, rather than logging in as the portal's role,
# lets the tests that tamper with the log behind the guard's back act as the owner in the
# same session, where their uncommitted rows are (tests/audit/conftest.py: guard_lifted).
TEST_ACT_AS_ROLE = ""
if MIGRATION_DATABASE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    TEST_ACT_AS_ROLE = DATABASES["default"]["USER"]
    for _key in ("USER", "PASSWORD", "HOST", "PORT"):
        DATABASES["default"][_key] = MIGRATION_DATABASE.get(_key, "")

# A second database standing in for a read replica (tests/dac_portal/test_replica_routing.py):
# a real database beside the default one, not a mirror of it, so that a row put only there
# shows which database a page read. pytest-django creates test databases only for the
# aliases that collected tests ask for (`django_db(databases=[...])`): a run without those
# tests never creates it, and a run with them (each xdist worker collects them) creates its
# tables from the models, without migrations, in well under a second (the data migrations
# would also read the default database). Whatever DATABASE_REPLICA_URL says, the suite runs
# without the router and its middleware (those tests install them), and never touches a
# real replica.
DATABASES["replica"] = {
    **DATABASES["default"],
    "NAME": (
        str(VAR_DIR / "replica.sqlite3")
        if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        else f"{DATABASES['default']['NAME']}_replica"
    ),
    "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
    "TEST": {"MIGRATE": False},
}
DATABASE_ROUTERS = []
MIDDLEWARE = [m for m in MIDDLEWARE if m != "dac_portal.db_routing.ReplicaReadMiddleware"]  # noqa: F405
