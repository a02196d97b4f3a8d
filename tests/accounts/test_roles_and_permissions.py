"""Roles: portal-wide and per committee, several per person, answered by one module."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import Committee, CommitteeMembership, Institution
from accounts.permissions import can, registered_rules, require
from accounts.roles import roles_of
from audit.models import AuditEvent
from dac_portal.errors import Conflict, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee():
    return Committee.objects.get(slug="genomics-dac")


@pytest.fixture
def other_committee(admin):
    return services.committee_create(actor=admin, slug="rare-disease-dac", name="Rare Disease DAC")


def test_the_chair_reviews_and_chairs_their_committee(chair1, committee):
    assert can(chair1, "committee.review", committee)
    assert can(chair1, "committee.chair", committee)
    assert not can(chair1, "committee.steward", committee)


def test_a_member_reviews_but_does_not_chair(member1, committee):
    assert can(member1, "committee.review", committee)
    assert not can(member1, "committee.chair", committee)


def test_a_steward_stewards_but_does_not_review(steward1, committee):
    assert can(steward1, "committee.steward", committee)
    assert not can(steward1, "committee.review", committee)


def test_committee_rights_do_not_carry_over_to_another_committee(chair1, other_committee):
    assert not can(chair1, "committee.review", other_committee)
    assert not can(chair1, "committee.chair", other_committee)


def test_a_person_can_chair_one_committee_and_be_member_of_another(
    member1, committee, other_committee, admin
):
    services.committee_membership_add(
        committee=other_committee, user=member1, role="chair", actor=admin
    )
    assert can(member1, "committee.chair", other_committee)
    assert not can(member1, "committee.chair", committee)
    roles = roles_of(member1)
    assert roles.on(committee.pk) == {"member"}
    assert roles.on(other_committee.pk) == {"chair"}


def test_adding_a_membership_grants_guardian_object_permissions_and_is_audited(
    researcher2, committee, admin
):
    services.committee_membership_add(
        committee=committee, user=researcher2, role="member", actor=admin
    )
    assert researcher2.has_perm("accounts.review_committee", committee)
    event = AuditEvent.objects.filter(action="committee_membership.added").order_by("-seq").first()
    assert (
        event.actor == admin
        and event.data["username"] == "researcher2"
        and event.data["role"] == "member"
    )


def test_removing_a_membership_takes_the_permission_away(member2, committee, admin):
    membership = CommitteeMembership.objects.get(user=member2, committee=committee, role="member")
    services.committee_membership_remove(membership=membership, actor=admin)
    member2 = type(member2).objects.get(pk=member2.pk)  # guardian caches per instance
    assert not can(member2, "committee.review", committee)
    assert AuditEvent.objects.filter(action="committee_membership.removed").exists()


def test_adding_the_same_membership_twice_is_a_conflict(member1, committee, admin):
    with pytest.raises(Conflict):
        services.committee_membership_add(
            committee=committee, user=member1, role="member", actor=admin
        )


def test_a_signing_official_signs_for_their_institution_only(official1):
    own = official1.portal_roles.get(role="signing_official").institution
    other = Institution.objects.exclude(pk=own.pk).first()
    assert can(official1, "institution.sign_for", own)
    assert not can(official1, "institution.sign_for", other)


def test_a_signing_official_needs_an_institution(researcher2, admin):
    with pytest.raises(ValidationError):
        services.portal_role_assign(
            user=researcher2, role="signing_official", institution=None, actor=admin
        )


def test_only_auditors_and_administrators_read_the_audit_log(auditor1, admin, chair1, researcher1):
    assert can(auditor1, "audit.read") and can(admin, "audit.read")
    assert not can(chair1, "audit.read") and not can(researcher1, "audit.read")


def test_an_inactive_or_anonymous_user_may_do_nothing(auditor1):
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), "audit.read")
    auditor1.is_active = False
    assert not can(auditor1, "audit.read")


def test_require_raises_permission_denied(researcher1):
    with pytest.raises(PermissionDenied):
        require(researcher1, "portal.administer")


def test_an_unknown_rule_is_a_programming_error(researcher1):
    with pytest.raises(LookupError):
        can(researcher1, "no.such.rule")
    assert "audit.read" in registered_rules()


def test_a_person_holds_several_portal_roles(official1, admin):
    services.portal_role_assign(user=official1, role="researcher", actor=admin)
    assert roles_of(official1).portal == {"signing_official", "researcher"}
