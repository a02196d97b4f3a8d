"""Matrix rows for committee membership (accounts.committee_views, accounts.membership_api):
the committee's chairs (and administrators) manage its people; every other signed-in role
is refused (403: committees are public, so refusing says nothing new); every row sends
input the service refuses, so the matrix changes nothing."""

from tests.security.matrix import Row

CHAIRS = {"anonymous": 302, "*": 403, "chair1": 200, "admin": 200}
CHAIRS_REFUSED_INPUT = {"anonymous": 302, "*": 403, "chair1": 400, "admin": 400}
CHAIRS_NOT_FOUND = {"anonymous": 302, "*": 403, "chair1": 404, "admin": 404}
API_CHAIRS = {"anonymous": 401, "*": 403, "chair1": 200, "admin": 200}
COMMITTEE_NAMES = ("chair1", "member1", "member2", "member3", "steward1", "chair2", "member4")
MEMBERS = "/committees/genomics-dac/members/"


def _seat_of(demo, username: str) -> int:  # type: ignore[no-untyped-def]
    from accounts.models import CommitteeMembership

    return CommitteeMembership.objects.get(
        committee__slug="genomics-dac", user=demo.user(username)
    ).pk


ROWS = [
    Row("committees:members", "GET", MEMBERS, CHAIRS),
    Row(
        "committees:members",
        "POST",
        MEMBERS,
        CHAIRS_REFUSED_INPUT,
        body={"name": "", "email": "not an address", "role": "member"},
        form=True,
        note="invitation with a bad address",
    ),
    Row(
        "committees:member-change",
        "GET",
        lambda demo: f"{MEMBERS}{_seat_of(demo, 'member2')}/",
        CHAIRS,
    ),
    Row(
        "committees:member-change",
        "POST",
        lambda demo: f"{MEMBERS}{_seat_of(demo, 'member2')}/",
        CHAIRS_REFUSED_INPUT,
        body={"role": "king"},
        form=True,
        note="unknown role",
    ),
    Row(
        "committees:member-end",
        "POST",
        f"{MEMBERS}999999999/end/",
        CHAIRS_NOT_FOUND,
        form=True,
        note="no such membership",
    ),
    Row(
        "committees:invitation-cancel",
        "POST",
        "/committees/genomics-dac/invitations/00000000-0000-4000-8000-000000000000/cancel/",
        CHAIRS_NOT_FOUND,
        form=True,
    ),
    Row(
        "committees:lay-voting",
        "POST",
        f"{MEMBERS}lay-voting/",
        CHAIRS_REFUSED_INPUT,
        body={"lay_representatives_vote": "maybe"},
        form=True,
    ),
    Row(
        "committees:training-policy",
        "POST",
        f"{MEMBERS}training/",
        CHAIRS_REFUSED_INPUT,
        body={"training_required_months": "0"},
        form=True,
        note="out of range",
    ),
    Row(
        "committees:decision-policy",
        "POST",
        f"{MEMBERS}decision-policy/",
        CHAIRS_REFUSED_INPUT,
        body={"renewals_by_committee": "no", "appeal_window_days": "0"},
        form=True,
        note="appeal window out of range",
    ),
    # Training records (issue 18): each person's own.
    Row("accounts:training", "GET", "/accounts/training/", {"anonymous": 302, "*": 200}),
    Row(
        "accounts:training",
        "POST",
        "/accounts/training/",
        {"anonymous": 302, "*": 400},
        body={"kind": "karate"},
        form=True,
        note="unknown kind",
    ),
    Row(
        "api-training-records", "GET", "/api/v1/me/training-records/", {"anonymous": 401, "*": 200}
    ),
    Row(
        "api-training-records",
        "POST",
        "/api/v1/me/training-records/",
        {"anonymous": 401, "*": 400},
        body={"kind": "karate"},
        note="unknown kind",
    ),
    # An invitation link that is no link: 404 for every signed-in person.
    Row(
        "committees:invitation",
        "GET",
        "/committee-invitations/not-a-token/",
        {"anonymous": 302, "*": 404},
    ),
    Row(
        "committees:invitation",
        "POST",
        "/committee-invitations/not-a-token/",
        {"anonymous": 302, "*": 404},
        form=True,
    ),
    Row(
        "accounts:committee-profile",
        "GET",
        "/accounts/committee-profile/",
        {"anonymous": 302, "*": 403, **dict.fromkeys(COMMITTEE_NAMES, 200)},
    ),
    Row(
        "accounts:committee-profile",
        "POST",
        "/accounts/committee-profile/",
        {"anonymous": 302, "*": 403, **dict.fromkeys(COMMITTEE_NAMES, 400)},
        body={"region": "XX"},
        form=True,
        note="unknown region",
    ),
    Row("api-committee-members", "GET", "/api/v1/committees/genomics-dac/members/", API_CHAIRS),
    Row(
        "api-committee-member",
        "PATCH",
        lambda demo: f"/api/v1/committees/genomics-dac/members/{_seat_of(demo, 'member2')}/",
        {**API_CHAIRS, "chair1": 400, "admin": 400},
        body={"term_ends": "not a date"},
    ),
    Row(
        "api-committee-member",
        "DELETE",
        "/api/v1/committees/genomics-dac/members/999999999/",
        {**API_CHAIRS, "chair1": 404, "admin": 404},
        note="no such membership",
    ),
    Row(
        "api-committee-invitations",
        "POST",
        "/api/v1/committees/genomics-dac/invitations/",
        {**API_CHAIRS, "chair1": 400, "admin": 400},
        body={"name": "X", "email": "nope", "role": "member"},
    ),
]
