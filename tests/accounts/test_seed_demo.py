"""seed_demo creates the demo users of docs/api.md, once, and refuses to run without DEBUG."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Committee, User
from audit.models import AuditEvent
from tests.conftest import DEMO_USERNAMES

pytestmark = pytest.mark.django_db


def test_every_demo_user_of_the_contract_exists_and_signs_in_with_the_demo_password():
    for username in DEMO_USERNAMES:
        assert User.objects.get(username=username).check_password("demo"), username


def test_researchers_are_at_different_institutions_and_official1_signs_for_researcher1s():
    r1, r2, official = (
        User.objects.get(username=u) for u in ("researcher1", "researcher2", "official1")
    )
    assert r1.institution_id != r2.institution_id
    assert official.portal_roles.get(role="signing_official").institution_id == r1.institution_id


def test_chair_members_and_steward_sit_on_one_committee():
    committee = Committee.objects.get(slug="genomics-dac")
    roles = set(committee.memberships.values_list("user__username", "role"))
    assert {
        ("chair1", "chair"),
        ("member1", "member"),
        ("member2", "member"),
        ("member3", "member"),
        ("steward1", "steward"),
    } <= roles


def test_seeding_again_changes_nothing():
    users, committees, events = (
        User.objects.count(),
        Committee.objects.count(),
        AuditEvent.objects.count(),
    )
    call_command("seed_demo", "--allow-without-debug", verbosity=0)
    assert (User.objects.count(), Committee.objects.count(), AuditEvent.objects.count()) == (
        users,
        committees,
        events,
    )


def test_seeding_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)
