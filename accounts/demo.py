"""Demo people, institutions, the demo committee (docs/api.md, "Demo data") and a second
committee with its own people, for the request spanning two committees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts import membership, services, training
from accounts.models import (
    Committee,
    CommitteeInvitation,
    CommitteeMembership,
    CommitteeProfile,
    DeclaredInterest,
    Institution,
    InstitutionDomain,
    MembershipPeriod,
    PortalRoleAssignment,
    ResearcherVisa,
    TrainingRecord,
    User,
)

INSTITUTIONS = [
    {"name": "University of Nairobi", "country": "KE", "type": "academic", "ror_id": ""},
    {
        "name": "Instituto Nacional de Medicina Genómica",
        "country": "MX",
        "type": "government",
        "ror_id": "",
    },
    {"name": "Helix Analytics Ltd", "country": "GB", "type": "commercial", "ror_id": ""},
]

COMMITTEE: dict[str, Any] = {
    "slug": "genomics-dac",
    "name": "Genomics Data Access Committee",
    "voting_rule": "majority",
    "quorum": 2,
    "review_target_days": 14,
    "endorsement_required": True,
    "default_access_days": 365,
    "policy_text": (
        "The committee grants access to controlled genomic data for research that fits the "
        "participants' consent. Requests are answered within 14 days. Applicants must hold "
        "ethics approval where the consent asks for it, must not attempt re-identification, "
        "and must publish or share results as the data use agreement sets out."
    ),
}

# A second committee, with its own chair, member and steward, so that the demo holds a
# request spanning two committees (access_requests.review.demo, "mixed"; ADR 0006).
SECOND_COMMITTEE: dict[str, Any] = {
    "slug": "rare-registry-dac",
    "name": "Rare Disease Registry Access Committee",
    "voting_rule": "unanimous",
    "quorum": 1,
    "review_target_days": 21,
    "endorsement_required": False,
    "default_access_days": 180,
    "policy_text": (
        "The committee governs the rare disease registry. Requests are answered within 21 "
        "days; access is granted for 180 days at a time."
    ),
}

# username: (first, last, institution index or None, portal roles, roles on the second
# committee) — people of the second committee only.
SECOND_PEOPLE: dict[str, tuple[str, str, int | None, list[str], list[str]]] = {
    "chair2": ("Nadia", "Benali", None, [], ["chair"]),
    "member4": ("Lucas", "Moreau", None, [], ["member"]),
    "steward2": ("Mei", "Chen", None, [], ["steward"]),
}

# username: (first, last, institution index or None, portal roles, committee roles)
PEOPLE: dict[str, tuple[str, str, int | None, list[str], list[str]]] = {
    "researcher1": ("Amina", "Odhiambo", 0, ["researcher"], []),
    "researcher2": ("Diego", "Hernández", 1, ["researcher"], []),
    # researcher1's colleague, a collaborator on their active request (agreements.demo).
    "researcher3": ("Chidi", "Okeke", 0, ["researcher"], []),
    "official1": ("Grace", "Wanjiru", 0, ["signing_official"], []),
    "chair1": ("Helena", "Lindqvist", None, [], ["chair"]),
    "member1": ("Kwame", "Mensah", None, [], ["member"]),
    "member2": ("Priya", "Raman", None, [], ["member"]),
    "member3": ("Tomás", "Ferreira", 0, [], ["member"]),
    "steward1": ("Yuki", "Tanaka", None, [], ["steward"]),
    # A community representative (WHO 3.4): votes, as the committee's setting has it.
    "lay1": ("Amara", "Diallo", None, [], ["lay"]),
    "admin": ("Ada", "Admin", None, ["administrator"], []),
    "auditor1": ("Omar", "Haddad", None, ["auditor"], []),
}


def _seed_institutions() -> list[Institution]:
    institutions = []
    for spec in INSTITUTIONS:
        institution = Institution.objects.filter(name=spec["name"]).first()
        if institution is None:
            institution = services.institution_create(actor=None, **spec)
        institutions.append(institution)
    return institutions


def demo_user(
    username: str, first: str, last: str, institution: Institution | None, *, password: str | None
) -> User:
    """A demo person, found again by username (seeding twice changes nothing); e-mail at
    example.org. `password=None` makes an account nobody signs in to."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.user_create(
            username=username,
            email=f"{username}@example.org",
            password=password,
            first_name=first,
            last_name=last,
            institution=institution,
            actor=None,
        )
    return user


def seed(ctx: dict[str, Any]) -> None:
    institutions = _seed_institutions()
    committee = Committee.objects.filter(slug=COMMITTEE["slug"]).first()
    if committee is None:
        committee = services.committee_create(actor=None, **COMMITTEE)
    second = Committee.objects.filter(slug=SECOND_COMMITTEE["slug"]).first()
    if second is None:
        second = services.committee_create(actor=None, **SECOND_COMMITTEE)

    password = settings.DEMO_PASSWORD
    users: dict[str, User] = {}
    everyone = [(name, person, committee) for name, person in PEOPLE.items()] + [
        (name, person, second) for name, person in SECOND_PEOPLE.items()
    ]
    for username, person, their_committee in everyone:
        first, last, inst_index, portal_roles, committee_roles = person
        institution = institutions[inst_index] if inst_index is not None else None
        user = demo_user(username, first, last, institution, password=password)
        if username == "admin" and not user.is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
            user.refresh_from_db()
        for role in portal_roles:
            role_institution = institutions[0] if role == "signing_official" else None
            if not PortalRoleAssignment.objects.filter(user=user, role=role).exists():
                services.portal_role_assign(
                    user=user, role=role, institution=role_institution, actor=None
                )
        for role in committee_roles:
            if not CommitteeMembership.objects.filter(
                user=user, committee=their_committee, role=role
            ).exists():
                services.committee_membership_add(
                    committee=their_committee, user=user, role=role, actor=None
                )
        users[username] = user

    _seed_federated_identity(users["researcher1"], institutions[0])
    _seed_declared_interest(users["member1"])
    _seed_membership(committee, users)
    _seed_training(second, users)
    ctx.update(
        {
            "institutions": institutions,
            "committee": committee,
            "second_committee": second,
            "users": users,
        }
    )


# What some committee people publish on the public committee page (region, expertise).
PUBLISHED = {
    "chair1": ("EUR", "Medical genetics"),
    "member1": ("AFR", "Bioinformatics"),
    "lay1": ("AFR", "Patient and community advocacy"),
}
# How long ago each demo committee person joined, in days (so that /stats/ shows the share
# of lay representatives change over the quarters); the others joined two years ago.
JOINED_DAYS_AGO = {"lay1": 200, "member3": 400}


def _seed_membership(committee: Committee, users: dict[str, User]) -> None:
    """Terms of office, published profiles, a history, and an invitation waiting."""
    chair = users["chair1"]
    today = timezone.localdate()
    terms = {"member2": today + timedelta(days=20), "lay1": today + timedelta(days=540)}
    for username, term in terms.items():
        seat = CommitteeMembership.objects.filter(committee=committee, user=users[username]).first()
        if seat is not None and seat.term_ends is None:
            membership.committee_membership_change(
                membership=seat, role=seat.role, term_ends=term, actor=chair
            )
    for username, (region, expertise) in PUBLISHED.items():
        if not CommitteeProfile.objects.filter(user=users[username]).exists():
            membership.committee_profile_set(
                actor=users[username], region=region, expertise=expertise
            )
    _backdate_history(committee, users)
    if not CommitteeInvitation.objects.filter(committee=committee).exists():
        membership.committee_invitation_send(
            committee=committee,
            name="Sofia Almeida",
            email="sofia.almeida@example.org",
            role="member",
            term_ends=today + timedelta(days=730),
            actor=chair,
        )


def _backdate_history(committee: Committee, users: dict[str, User]) -> None:
    """Demo only: move the start of each membership back to when the story has it begin
    (once: a fresh seed starts every period today)."""
    now = timezone.now()
    fresh = MembershipPeriod.objects.filter(
        committee=committee, started_at__gt=now - timedelta(days=1)
    )
    for period in fresh.select_related("user"):
        days = JOINED_DAYS_AGO.get(period.user.username, 730)
        started = now - timedelta(days=days)
        MembershipPeriod.objects.filter(pk=period.pk).update(started_at=started)
        CommitteeMembership.objects.filter(
            committee=committee, user_id=period.user_id, role=period.role
        ).update(since=started)


# Training records (issue 18): the second committee asks for one no older than 24 months;
# researcher1's is current, researcher2's lapsed (the task list and /accounts/training/
# show both).
TRAINING = {
    "researcher1": ("data_protection", "Data protection for health researchers", 200),
    "researcher2": ("research_ethics", "Biomedical research ethics", 1100),
}


def _seed_training(second: Committee, users: dict[str, User]) -> None:
    if second.training_required_months is None:
        training.committee_training_policy_set(committee=second, months=24, actor=users["chair2"])
    for username, (kind, course, days_ago) in TRAINING.items():
        if not TrainingRecord.objects.filter(user=users[username]).exists():
            training.training_record_add(
                actor=users[username],
                kind=kind,
                course=course,
                provider="CITI Program",
                completed_on=timezone.localdate() - timedelta(days=days_ago),
                certificate=f"CITI-{users[username].pk:06d}",
            )


def _seed_declared_interest(member: User) -> None:
    """An entry of member1's register, which chair1 reads beside each request."""
    if not DeclaredInterest.objects.filter(user=member).exists():
        services.declared_interest_add(
            actor=member,
            description="Paid scientific adviser to a company selling polygenic risk tests "
            "(since 2025).",
        )


# What a sign-in through LS Login would have brought researcher1 (docs/identity.md): a
# bona fide status the committee sees on the review page, an ORCID iD, and the home
# organisation's domain, already mapped; plus a domain seen at a sign-in that an
# administrator has still to map (/accounts/institution-domains/).
DEMO_VISA_PROVIDER = "demo-idp"


def _seed_federated_identity(researcher: User, institution: Institution) -> None:
    if not researcher.orcid:
        User.objects.filter(pk=researcher.pk).update(
            orcid="0000-0002-1825-0097", home_organization="uonbi.ac.ke"
        )
    InstitutionDomain.objects.get_or_create(
        domain="uonbi.ac.ke", defaults={"institution": institution, "mapped_at": timezone.now()}
    )
    InstitutionDomain.objects.get_or_create(domain="genomics-institute.example")
    if not ResearcherVisa.objects.filter(user=researcher).exists():
        now = timezone.now()
        ResearcherVisa.objects.create(
            user=researcher,
            provider_id=DEMO_VISA_PROVIDER,
            type=ResearcherVisa.Type.RESEARCHER_STATUS,
            value="https://doi.org/10.1038/s41431-018-0219-y",
            source="https://www.uonbi.ac.ke",
            by="so",
            issuer="https://login.aai.lifescience-ri.eu/oidc/",
            asserted=now - timedelta(days=120),
            # Long enough that the demo stays a bona fide researcher for a year of demos.
            expires_at=now + timedelta(days=365),
        )
