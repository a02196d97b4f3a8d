"""Matrix rows for agreements, grants, sanctions, entitlements, passports and the JWKS.

The demo data (agreements.demo) holds, for researcher1: an approved request with an
active grant and a suspended one, and an approved request whose agreement waits for
signature, and one signed by researcher1 that waits for official1's countersignature.
Committee people see every grant of their committee; researcher1's signing official
(official1) sees their institution's; the demo admin is a superuser, who holds every
committee permission and so acts as a chair would; others get 404.
"""

from __future__ import annotations

from typing import Any

from tests.security.matrix import Row

UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
COMMITTEE = ("chair1", "member1", "member2", "member3", "steward1")


def _request(title: str) -> Any:
    def find(demo: Any) -> Any:
        from access_requests.models import AccessRequest

        return AccessRequest.objects.get(title=title)

    return find


ACTIVE_REQUEST = _request("Ancestry-aware polygenic scores")


def _receipt(demo: Any) -> int:
    """The seq of the active demo request's first receipt (its decision's)."""
    from audit.receipts import receipts_of

    return receipts_of(ACTIVE_REQUEST(demo).reference)[0].seq


PENDING_REQUEST = _request("Reference panel imputation")
COUNTERSIGN_REQUEST = _request("Ancestry inference benchmarks")


def _grant(status: str) -> Any:
    def find(demo: Any) -> str:
        from agreements.models import Grant

        grant = Grant.objects.filter(
            access_request__title="Ancestry-aware polygenic scores", status=status
        ).first()
        assert grant is not None, f"the demo has no {status} grant"
        return str(grant.reference)

    return find


def _collaboration(status: str) -> Any:
    """A collaborator of the active demo request: researcher3 (signed) or Ada Okafor,
    invited by e-mail."""

    def find(demo: Any) -> str:
        from agreements.models import CollaboratorAccess

        access = CollaboratorAccess.objects.filter(
            access_request__title="Ancestry-aware polygenic scores", status=status
        ).first()
        assert access is not None, f"the demo has no {status} collaborator"
        return str(access.public_id)

    return find


SIGNED_COLLABORATOR = _collaboration("signed")
INVITED_COLLABORATOR = _collaboration("invited")
# Who may act on a collaborator's access but has no role for this action: a 403.
NO_ROLE = {"researcher1": 403, "official1": 403, **dict.fromkeys(COMMITTEE, 403), "admin": 403}

ACTIVE_GRANT = _grant("active")
SUSPENDED_GRANT = _grant("suspended")


def _sha(find: Any) -> Any:
    def body(demo: Any) -> dict[str, Any]:
        from agreements.models import Agreement

        agreement = Agreement.objects.get(access_request=find(demo))
        return {"accept": True, "text_sha256": agreement.text_sha256}

    return body


def _form_sha(find: Any) -> Any:
    def body(demo: Any) -> dict[str, Any]:
        return {"accept": "on", "text_sha256": _sha(find)(demo)["text_sha256"]}

    return body


def expect(
    anonymous: int, default: int, base: dict[str, int] | None = None, **roles: int
) -> dict[str, int]:
    return {"anonymous": anonymous, "*": default, **(base or {}), **roles}


def committee(status: int) -> dict[str, int]:
    return dict.fromkeys(COMMITTEE, status)


# Who sees researcher1's demo grants: holder, their institution's official, the committee,
# admins.
GRANT_SEERS = {"researcher1": 200, "official1": 200, **committee(200), "admin": 200}
# Who sees researcher1's demo requests (access_requests.rules.visible_q).
REQUEST_SEERS = {"researcher1": 200, "official1": 200, **committee(200), "admin": 200}

ROWS = [
    # -- collaborators ------------------------------------------------------------------
    Row(
        "agreements:collaboration",
        "GET",
        lambda demo: f"/collaborations/{SIGNED_COLLABORATOR(demo)}/",
        expect(302, 404, **REQUEST_SEERS),
    ),
    Row(
        "agreements:collaboration",
        "GET",
        f"/collaborations/{UNKNOWN_UUID}/",
        expect(302, 404),
        note="unknown",
    ),
    Row(
        "agreements:collaboration-sign",
        "POST",
        lambda demo: f"/collaborations/{INVITED_COLLABORATOR(demo)}/sign/",
        expect(302, 404, **NO_ROLE),
        body=_form_sha(ACTIVE_REQUEST),
        form=True,
        note="only the collaborator signs",
    ),
    Row(
        "agreements:collaboration-leave",
        "POST",
        lambda demo: f"/collaborations/{SIGNED_COLLABORATOR(demo)}/leave/",
        expect(302, 404, **NO_ROLE),
        form=True,
        note="only the collaborator leaves",
    ),
    Row(
        "agreements:collaboration-remove",
        "POST",
        lambda demo: f"/collaborations/{SIGNED_COLLABORATOR(demo)}/remove/",
        expect(302, 404, **{**NO_ROLE, "researcher1": 302}),
        body={"remove-reason": "matrix"},
        form=True,
    ),
    Row(
        "agreements:collaboration-resend",
        "POST",
        lambda demo: f"/collaborations/{INVITED_COLLABORATOR(demo)}/resend/",
        expect(302, 404, **{**NO_ROLE, "researcher1": 302}),
        form=True,
    ),
    Row(
        "agreements:collaboration-invitation",
        "GET",
        "/collaborations/invitations/not-a-valid-token/",
        expect(302, 404),
        note="unknown link",
    ),
    Row(
        "agreements:collaboration-invitation",
        "POST",
        "/collaborations/invitations/not-a-valid-token/",
        expect(302, 404),
        form=True,
        note="unknown link",
    ),
    # -- pages --------------------------------------------------------------------------
    Row("agreements:grants", "GET", "/grants/", expect(302, 200)),
    Row(
        "agreements:grant",
        "GET",
        lambda demo: f"/grants/{ACTIVE_GRANT(demo)}/",
        expect(302, 404, **GRANT_SEERS),
    ),
    Row("agreements:grant", "GET", "/grants/GRT-0000000000/", expect(302, 404), note="unknown"),
    # A decision's receipt: whoever sees the request may download it (it holds what the
    # request page shows, and hashes).
    Row(
        "access_requests:receipt",
        "GET",
        lambda demo: f"/requests/{ACTIVE_REQUEST(demo).reference}/receipts/{_receipt(demo)}/",
        expect(302, 404, **GRANT_SEERS),
    ),
    Row(
        "access_requests:receipt",
        "GET",
        lambda demo: f"/requests/{ACTIVE_REQUEST(demo).reference}/receipts/1/",
        expect(302, 404),
        note="an event that is no receipt of the request",
    ),
    Row(
        "agreements:grant-action",
        "POST",
        lambda demo: f"/grants/{ACTIVE_GRANT(demo)}/actions/suspend/",
        expect(
            302,
            404,
            researcher1=403,
            official1=403,
            chair1=302,
            member1=403,
            member2=403,
            member3=403,
            steward1=302,
            admin=302,
        ),
        body={"suspend-reason": "matrix"},
        form=True,
    ),
    # A vote on the demo's renewal, which the committee decides: its voters may (member3, at
    # the holder's university, is kept out); the admin and the steward are no voters.
    Row(
        "agreements:grant-action",
        "POST",
        lambda demo: f"/grants/{ACTIVE_GRANT(demo)}/actions/vote_renewal/",
        expect(
            302,
            404,
            researcher1=403,
            official1=403,
            chair1=302,
            member1=302,
            member2=302,
            member3=403,
            steward1=403,
            admin=403,
        ),
        body={"vote_renewal-vote": "approve", "vote_renewal-rationale": "matrix"},
        form=True,
        note="vote on the renewal",
    ),
    Row(
        "agreements:agreement",
        "GET",
        lambda demo: f"/requests/{ACTIVE_REQUEST(demo).reference}/agreement/",
        expect(302, 404, **REQUEST_SEERS),
    ),
    Row(
        "agreements:agreement-download",
        "GET",
        lambda demo: f"/requests/{ACTIVE_REQUEST(demo).reference}/agreement/download/",
        expect(302, 404, **REQUEST_SEERS),
    ),
    Row(
        "agreements:agreement-sign",
        "POST",
        lambda demo: f"/requests/{PENDING_REQUEST(demo).reference}/agreement/sign/",
        expect(302, 404, researcher1=302, official1=403, admin=403, **committee(403)),
        body=_form_sha(PENDING_REQUEST),
        form=True,
    ),
    Row(
        "agreements:agreement-countersign",
        "POST",
        lambda demo: f"/requests/{COUNTERSIGN_REQUEST(demo).reference}/agreement/countersign/",
        expect(302, 404, researcher1=403, official1=302, admin=403, **committee(403)),
        body=_form_sha(COUNTERSIGN_REQUEST),
        form=True,
    ),
    # Chairs of any committee manage sanctions (chair2 chairs the second committee).
    Row(
        "agreements:sanctions",
        "GET",
        "/sanctions/",
        expect(302, 403, chair1=200, chair2=200, admin=200),
    ),
    Row(
        "agreements:sanctions",
        "POST",
        "/sanctions/",
        expect(302, 403, chair1=302, chair2=302, admin=302),
        body={"username": "researcher2", "reason": "matrix"},
        form=True,
        note="impose",
    ),
    Row(
        "agreements:sanction-lift",
        "POST",
        f"/sanctions/{UNKNOWN_UUID}/lift/",
        expect(302, 404),
        body={f"lift-{UNKNOWN_UUID}-reason": "matrix"},
        form=True,
    ),
    Row("agreements:jwks", "GET", "/.well-known/jwks.json", expect(200, 200)),
    # -- API ----------------------------------------------------------------------------
    Row(
        "api-request-agreement",
        "GET",
        lambda demo: f"/api/v1/requests/{ACTIVE_REQUEST(demo).reference}/agreement/",
        expect(401, 404, **REQUEST_SEERS),
    ),
    Row(
        "api-request-agreement-sign",
        "POST",
        lambda demo: f"/api/v1/requests/{PENDING_REQUEST(demo).reference}/agreement/sign/",
        expect(401, 404, researcher1=200, official1=403, admin=403, **committee(403)),
        body=_sha(PENDING_REQUEST),
    ),
    Row(
        "api-request-agreement-countersign",
        "POST",
        lambda demo: (
            f"/api/v1/requests/{COUNTERSIGN_REQUEST(demo).reference}/agreement/countersign/"
        ),
        expect(401, 404, researcher1=403, official1=200, admin=403, **committee(403)),
        body={},
    ),
    Row("api-grants", "GET", "/api/v1/grants/", expect(401, 200)),
    Row(
        "api-grant",
        "GET",
        lambda demo: f"/api/v1/grants/{ACTIVE_GRANT(demo)}/",
        expect(401, 404, **GRANT_SEERS),
    ),
    Row(
        "api-grant-suspend",
        "POST",
        lambda demo: f"/api/v1/grants/{ACTIVE_GRANT(demo)}/suspend/",
        expect(401, 404, dict.fromkeys(GRANT_SEERS, 403), chair1=200, steward1=200, admin=200),
        body={"reason": "matrix"},
    ),
    Row(
        "api-grant-revoke",
        "POST",
        lambda demo: f"/api/v1/grants/{ACTIVE_GRANT(demo)}/revoke/",
        expect(401, 404, dict.fromkeys(GRANT_SEERS, 403), chair1=200, steward1=200, admin=200),
        body={"reason": "matrix"},
    ),
    Row(
        "api-grant-reinstate",
        "POST",
        lambda demo: f"/api/v1/grants/{SUSPENDED_GRANT(demo)}/reinstate/",
        expect(401, 404, dict.fromkeys(GRANT_SEERS, 403), chair1=200, steward1=200, admin=200),
        body={"reason": "matrix"},
    ),
    Row(
        "api-grant-renew",
        "POST",
        lambda demo: f"/api/v1/grants/{ACTIVE_GRANT(demo)}/renew/",
        expect(401, 404, dict.fromkeys(GRANT_SEERS, 403), researcher1=409),
        body={"justification": "matrix"},
        note="a renewal is already waiting",
    ),
    # The demo's renewal is one the committee votes on, and only member1 has voted: the
    # chair gets 409 (quorum not met), everyone else may never decide one.
    Row(
        "api-grant-renewal-decision",
        "POST",
        lambda demo: f"/api/v1/grants/{ACTIVE_GRANT(demo)}/renewal-decision/",
        expect(401, 404, dict.fromkeys(GRANT_SEERS, 403), chair1=409, admin=409),
        body={"decision": "approved"},
    ),
    # The committee's votes: its voting members and chairs read them (member3 is at the
    # holder's university: kept out); the admin reads as chair but is no voter.
    Row(
        "api-grant-renewal-votes",
        "GET",
        lambda demo: f"/api/v1/grants/{ACTIVE_GRANT(demo)}/renewal-votes/",
        expect(
            401,
            404,
            dict.fromkeys(GRANT_SEERS, 403),
            chair1=200,
            member1=200,
            member2=200,
            admin=200,
        ),
    ),
    Row(
        "api-grant-renewal-votes",
        "POST",
        lambda demo: f"/api/v1/grants/{ACTIVE_GRANT(demo)}/renewal-votes/",
        expect(401, 404, dict.fromkeys(GRANT_SEERS, 403), chair1=400, member1=400, member2=400),
        body={"vote": "maybe"},
        note="unknown vote",
    ),
    Row(
        "api-grant-progress-reports",
        "POST",
        lambda demo: f"/api/v1/grants/{ACTIVE_GRANT(demo)}/progress-reports/",
        expect(401, 404, dict.fromkeys(GRANT_SEERS, 403), researcher1=201),
        body={"summary": "matrix"},
    ),
    Row(
        "api-grant-close-out",
        "POST",
        lambda demo: f"/api/v1/grants/{ACTIVE_GRANT(demo)}/close-out/",
        expect(401, 404, dict.fromkeys(GRANT_SEERS, 403), researcher1=200, official1=200),
        body={"statement": "matrix"},
    ),
    Row(
        "api-grant-withdrawal-acknowledge",
        "POST",
        lambda demo: (
            f"/api/v1/grants/{ACTIVE_GRANT(demo)}/withdrawal-notices/{UNKNOWN_UUID}/acknowledge/"
        ),
        expect(401, 404),
        body={"confirm_deletion": True},
    ),
    Row(
        "api-sanctions",
        "GET",
        "/api/v1/sanctions/",
        expect(401, 403, admin=200, chair1=200, chair2=200),
    ),
    Row(
        "api-sanctions",
        "POST",
        "/api/v1/sanctions/",
        expect(401, 403, admin=201, chair1=201, chair2=201),
        body={"user": "researcher2", "reason": "matrix"},
        note="impose",
    ),
    Row(
        "api-sanction-lift",
        "POST",
        f"/api/v1/sanctions/{UNKNOWN_UUID}/lift/",
        expect(401, 403, admin=404, chair1=404, chair2=404),
        body={"reason": "matrix"},
    ),
    Row(
        "api-committee-agreement-template",
        "GET",
        "/api/v1/committees/genomics-dac/agreement-template/",
        expect(401, 200),
    ),
    Row(
        "api-committee-agreement-template",
        "GET",
        "/api/v1/committees/no-such-dac/agreement-template/",
        expect(401, 404),
        note="unknown committee",
    ),
    Row(
        "api-committee-agreement-template",
        "POST",
        "/api/v1/committees/genomics-dac/agreement-template/",
        expect(401, 403, chair1=201, steward1=201, admin=201),
        body={"title": "Matrix DUA", "body": "Agreement for {{ reference }}."},
        note="new version",
    ),
    Row(
        "api-committee-agreement-policy",
        "GET",
        "/api/v1/committees/genomics-dac/agreement-policy/",
        expect(401, 200),
    ),
    Row(
        "api-committee-agreement-policy",
        "PATCH",
        "/api/v1/committees/genomics-dac/agreement-policy/",
        expect(401, 403, chair1=200, admin=200),
        body={"withdrawal_deadline_days": 21},
        note="the chair sets it",
    ),
    Row(
        "api-committee-agreement-policy",
        "PATCH",
        "/api/v1/committees/no-such-dac/agreement-policy/",
        expect(401, 404),
        body={"withdrawal_deadline_days": 21},
        note="unknown committee",
    ),
    Row("api-entitlements", "GET", "/api/v1/entitlements/", expect(401, 403, admin=200)),
    Row("api-me-passport", "GET", "/api/v1/me/passport/", expect(401, 200)),
]
