"""Grant visibility is written twice, as a rule and as a query filter: they agree for every
demo user and every demo grant."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.permissions import can
from agreements.models import Grant
from agreements.selectors import grant_list_for_user
from tests.conftest import DEMO_USERNAMES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_the_rule_and_the_query_agree(username: str, active_grant: Grant) -> None:
    user = User.objects.get(username=username)
    grants = list(Grant.objects.select_related("access_request", "committee"))
    assert len(grants) >= 5
    listed = set(grant_list_for_user(user=user).values_list("pk", flat=True))
    for grant in grants:
        assert can(user, "grant.view", grant) == (grant.pk in listed), (username, grant.reference)


def test_collaborators_see_the_grants_that_cover_them_and_get_visas(
    researcher1, researcher2, chair1, official1, auditor1
) -> None:
    from django.utils import timezone

    from agreements.demo import approve_for_demo, sign_all
    from agreements.selectors import grants_covering

    request = approve_for_demo(
        applicant=researcher1,
        title="With a collaborator",
        datasets=["DACD000007"],
        chair=chair1,
        official=official1,
        collaborators=[{"username": "researcher2"}],
    )
    sign_all(request, official1)
    grant = Grant.objects.get(access_request=request)
    assert can(researcher2, "grant.view", grant)
    assert grant in grant_list_for_user(user=researcher2)
    assert grant in grants_covering(user=researcher2, now=timezone.now())
    assert not can(auditor1, "grant.view", grant)
