"""Matrix rows for the audit log: only auditors and administrators read it (a collection
reserved to a role: 403 for other signed-in people, 401/redirect for visitors)."""

from tests.security.matrix import Row

AUDITORS_PAGE = {"anonymous": 302, "admin": 200, "auditor1": 200, "*": 403}
AUDITORS_PAGE_BAD = {"anonymous": 302, "admin": 400, "auditor1": 400, "*": 403}
AUDITORS_API = {"anonymous": 401, "admin": 200, "auditor1": 200, "*": 403}
AUDITORS_API_BAD = {"anonymous": 401, "admin": 400, "auditor1": 400, "*": 403}

ROWS = [
    Row("audit:log", "GET", "/audit/", AUDITORS_PAGE),
    Row(
        "audit:log",
        "GET",
        "/audit/?action=user.login&actor=admin&from=2020-01-01&to=2099-12-31&before_seq=9",
        AUDITORS_PAGE,
        note="filtered",
    ),
    Row("audit:log", "GET", "/audit/?from=junk&after_seq=-4", AUDITORS_PAGE_BAD, note="junk"),
    Row("audit:object", "GET", "/audit/objects/committee/genomics-dac/", AUDITORS_PAGE),
    Row("audit:export", "GET", "/audit/export/?format=csv", AUDITORS_PAGE),
    Row("audit:export", "GET", "/audit/export/?format=xml", AUDITORS_PAGE_BAD, note="junk"),
    Row("audit:export-manifest", "GET", "/audit/export/manifest/?format=jsonl", AUDITORS_PAGE),
    Row(
        "audit:verify",
        "POST",
        "/audit/verify/",
        {"anonymous": 302, "admin": 302, "auditor1": 302, "*": 403},
        form=True,
    ),
    Row("api-audit-events", "GET", "/api/v1/audit/events/", AUDITORS_API),
    Row(
        "api-audit-events",
        "GET",
        "/api/v1/audit/events/?after_seq=2&limit=5&action=user.created&object=user:x",
        AUDITORS_API,
        note="filtered",
    ),
    Row(
        "api-audit-events", "GET", "/api/v1/audit/events/?limit=999", AUDITORS_API_BAD, note="junk"
    ),
    Row("api-audit-export", "GET", "/api/v1/audit/export/?format=jsonl", AUDITORS_API),
    Row("api-audit-export", "GET", "/api/v1/audit/export/", AUDITORS_API_BAD, note="no format"),
    Row(
        "api-audit-export-manifest",
        "GET",
        "/api/v1/audit/export/manifest/?format=csv&from=2020-01-01",
        AUDITORS_API,
    ),
]
