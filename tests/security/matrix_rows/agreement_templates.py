"""Matrix rows for the agreement-template pages: the committee's stewards and chair keep
the template (the demo admin is a superuser and may too); only the chair sets the policy;
anyone else signed in is refused (403), an unknown committee is 404 for everyone."""

from __future__ import annotations

from tests.security.matrix import Row

SLUG = "genomics-dac"


def expect(anonymous: int, default: int, **roles: int) -> dict[str, int]:
    return {"anonymous": anonymous, "*": default, **roles}


KEEPERS_OK = {"chair1": 200, "steward1": 200, "admin": 200}
KEEPERS_REDIRECTED = {"chair1": 302, "steward1": 302, "admin": 302}

ROWS = [
    Row(
        "agreements:templates",
        "GET",
        "/agreement-templates/",
        # chair2 keeps the second committee's agreement (and no other).
        expect(302, 403, **KEEPERS_OK, chair2=200),
    ),
    Row(
        "agreements:template",
        "GET",
        f"/agreement-templates/{SLUG}/",
        expect(302, 403, **KEEPERS_OK),
    ),
    Row(
        "agreements:template",
        "GET",
        "/agreement-templates/no-such-committee/",
        expect(302, 404),
        note="unknown committee",
    ),
    Row(
        "agreements:template",
        "POST",
        f"/agreement-templates/{SLUG}/",
        expect(302, 403, **KEEPERS_REDIRECTED),
        body={"title": "Matrix DUA", "body": "Access to {{ datasets }} for {{ reference }}."},
        form=True,
        note="new version",
    ),
    Row(
        "agreements:template",
        "POST",
        f"/agreement-templates/{SLUG}/",
        expect(302, 403, chair1=400, steward1=400, admin=400),
        body={"title": "Matrix DUA", "body": "Unknown {{ favourite_colour }}."},
        form=True,
        note="unknown placeholder",
    ),
    Row(
        "agreements:template-policy",
        "POST",
        f"/agreement-templates/{SLUG}/policy/",
        expect(302, 403, chair1=302, admin=302),
        body={
            "countersignature_required": "on",
            "withdrawal_deadline_days": "21",
            "progress_report_grace_days": "14",
            "signature_deadline_days": "60",
        },
        form=True,
    ),
    Row(
        "agreements:template-policy",
        "POST",
        f"/agreement-templates/{SLUG}/policy/",
        expect(302, 403, chair1=400, admin=400),
        body={
            "withdrawal_deadline_days": "0",
            "progress_report_grace_days": "14",
            "signature_deadline_days": "60",
        },
        form=True,
        note="invalid",
    ),
    Row(
        "agreements:template-policy",
        "GET",
        f"/agreement-templates/{SLUG}/policy/",
        expect(302, 405),
        note="POST only",
    ),
]
