"""Matrix rows for the project-level routes: home, health, schema, docs, i18n, admin."""

from tests.security.matrix import Row

EVERYONE_200 = {"anonymous": 200, "*": 200}

ROWS = [
    Row("home", "GET", "/", EVERYONE_200),
    Row("healthz", "GET", "/healthz", EVERYONE_200),
    Row("readyz", "GET", "/readyz", EVERYONE_200),
    Row("api-schema", "GET", "/api/schema/", EVERYONE_200),
    Row("api-docs", "GET", "/api/docs/", EVERYONE_200),
    Row(
        "set_language",
        "POST",
        "/i18n/setlang/",
        {"anonymous": 302, "*": 302},
        body={"language": "fr"},
        form=True,
    ),
    # Only staff reach the Django admin; everyone else is sent to its log-in page.
    Row("admin:index", "GET", "/admin/", {"anonymous": 302, "admin": 200, "*": 302}),
]
