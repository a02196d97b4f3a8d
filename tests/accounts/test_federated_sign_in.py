"""Signing in through an OpenID Connect provider: a real provider process (Authlib's
server, its own keys) answers the portal over HTTP; the portal's own code verifies every
token and visa. The refusals each leave a clear page, an audit row and no account."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from accounts.models import Institution, InstitutionDomain, ResearcherVisa, User
from audit.models import AuditEvent
from tests.support.federation import add_person, callback_of, control, sign_in_through_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def browserless() -> Client:
    # The provider only sends people back to loopback addresses, as a real registration
    # names the portal's own address.
    return Client(HTTP_HOST="127.0.0.1")


def grace_hopper(provider: Any, sub: str = "grace-sub-1", **extra: Any) -> str:
    add_person(
        provider,
        sub,
        name="Grace Hopper",
        given_name="Grace",
        family_name="Hopper",
        email=f"{sub}@uni.example",
        email_verified=True,
        schac_home_organization="uni.example",
        orcid="https://orcid.org/0000-0002-1825-0097",
        **extra,
    )
    return sub


def last_event(action: str) -> AuditEvent | None:
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()


def test_a_first_sign_in_makes_the_account_from_the_claims_with_no_password(
    federation: Any, browserless: Client
) -> None:
    sub = grace_hopper(federation)

    response = sign_in_through_provider(browserless)

    assert response.status_code == 302, response.content[:800]
    account = SocialAccount.objects.get(provider="testidp", uid=sub)
    person = account.user
    assert person.email == f"{sub}@uni.example"
    assert person.get_full_name() == "Grace Hopper"
    assert not person.has_usable_password()
    assert person.orcid == "0000-0002-1825-0097"
    assert person.home_organization == "uni.example"
    created = last_event("accounts.federated_account_created")
    signed_in = last_event("accounts.federated_sign_in")
    assert created is not None and created.data["provider"] == "testidp"
    assert signed_in is not None and signed_in.actor_id == person.pk


def test_the_passport_s_researcher_status_is_stored_as_a_verified_visa(
    federation: Any, browserless: Client
) -> None:
    grace_hopper(federation)

    sign_in_through_provider(browserless)

    visa = ResearcherVisa.objects.get(type="ResearcherStatus", provider_id="testidp")
    assert visa.issuer == f"{federation.issuer}/visa-issuer"
    assert visa.by == "so"
    assert visa.is_current
    event = last_event("accounts.federated_sign_in")
    assert event is not None and event.data["visas"] == ["ResearcherStatus"]
    # Neither the visa JWT nor any token is written to the log.
    assert "eyJ" not in event.data_canonical


def test_a_mapped_domain_gives_the_person_their_institution(
    federation: Any, browserless: Client
) -> None:
    institution = Institution.objects.order_by("pk").first()
    assert institution is not None
    InstitutionDomain.objects.create(domain="uni.example", institution=institution)
    grace_hopper(federation)

    sign_in_through_provider(browserless)

    assert User.objects.get(email="grace-sub-1@uni.example").institution == institution


def test_an_unknown_domain_waits_for_an_administrator_to_map_it(
    federation: Any, browserless: Client
) -> None:
    grace_hopper(federation)

    sign_in_through_provider(browserless)

    assert InstitutionDomain.objects.get(domain="uni.example").institution is None
    assert User.objects.get(email="grace-sub-1@uni.example").institution is None


def test_visas_are_read_again_at_each_sign_in(federation: Any, browserless: Client) -> None:
    grace_hopper(federation)
    sign_in_through_provider(browserless)
    browserless.logout()
    control(federation, "visa", {"source": "https://www.example.org/another-university"})

    sign_in_through_provider(browserless)

    visas = ResearcherVisa.objects.filter(type="ResearcherStatus", provider_id="testidp")
    assert [v.source for v in visas] == ["https://www.example.org/another-university"]
    control(federation, "visa", {"source": "https://www.example.org/test-university"})


def test_a_provider_that_vouches_for_a_second_factor_meets_the_two_factor_rule(
    federation: Any, browserless: Client
) -> None:
    grace_hopper(federation)
    control(federation, "acr", {"acr": "https://refeds.org/profile/mfa", "amr": None})

    sign_in_through_provider(browserless)

    assert browserless.session.get("dac_mfa_by_provider") is True
    event = last_event("accounts.federated_sign_in")
    assert event is not None and event.data["multi_factor"] is True


def test_without_that_claim_the_second_factor_is_still_asked(
    federation: Any, browserless: Client
) -> None:
    grace_hopper(federation)

    sign_in_through_provider(browserless)

    assert "dac_mfa_by_provider" not in browserless.session


@pytest.mark.parametrize(
    ("fault", "reason", "action"),
    [
        ("bad_signature", "signature", "accounts.sign_in_refused"),
        ("wrong_aud", "audience", "accounts.sign_in_refused"),
        ("expired", "expired", "accounts.sign_in_refused"),
        ("replay_nonce", "nonce", "accounts.sign_in_refused"),
        ("untrusted_visa", "visa_untrusted", "accounts.visa_refused"),
        ("expired_visa", "visa_expired", "accounts.visa_refused"),
        ("bad_visa_signature", "visa_signature", "accounts.visa_refused"),
    ],
)
def test_a_bad_token_or_visa_is_refused_with_a_page_an_audit_row_and_no_account(
    federation: Any, browserless: Client, fault: str, reason: str, action: str
) -> None:
    grace_hopper(federation, sub=f"refused-{fault}")
    if fault == "replay_nonce":
        # The provider echoes the nonce of the sign-in before this one.
        grace_hopper(federation, sub="earlier-sign-in")
        sign_in_through_provider(browserless)
        browserless.logout()
        grace_hopper(federation, sub=f"refused-{fault}")
    users_before = User.objects.count()
    control(federation, "fault", {"fault": fault})

    response = sign_in_through_provider(browserless)

    assert response.status_code == 400
    assert b"Sign-in refused" in response.content
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.filter(uid=f"refused-{fault}").exists()
    event = last_event(action)
    assert event is not None
    assert event.data["reason"] == reason
    assert "_auth_user_id" not in browserless.session


def test_an_answer_with_a_wrong_state_is_refused(federation: Any, browserless: Client) -> None:
    grace_hopper(federation, sub="wrong-state")
    callback = callback_of(browserless)
    tampered = callback.replace("state=", "state=x")

    response = browserless.get(tampered)

    assert response.status_code == 400
    assert not SocialAccount.objects.filter(uid="wrong-state").exists()
    event = last_event("accounts.sign_in_refused")
    assert event is not None and event.data["reason"] == "state"


def test_the_same_answer_brought_back_twice_does_not_sign_in_twice(
    federation: Any, browserless: Client
) -> None:
    grace_hopper(federation, sub="replayed-answer")
    callback = callback_of(browserless)
    first = browserless.get(callback)
    assert first.status_code == 302
    browserless.logout()

    again = browserless.get(callback)

    assert again.status_code == 400
    assert "_auth_user_id" not in browserless.session


def test_an_unknown_provider_is_not_found(federation: Any, browserless: Client) -> None:
    assert browserless.post("/accounts/oidc/nobody/login/", {}).status_code == 404
    assert browserless.get("/accounts/oidc/nobody/login/callback/").status_code == 404


def test_linking_needs_a_recent_sign_in_then_adds_the_identity(
    federation: Any, client: Client, django_user_model: Any
) -> None:
    researcher = django_user_model.objects.get(username="researcher1")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(researcher)
    session = browser.session
    del session["dac_authenticated_at"]  # signed in long ago: the link asks to confirm
    session.save()
    refused = browser.post("/accounts/oidc/testidp/login/", {"process": "connect"})
    assert refused.status_code == 302 and "/accounts/reauth/" in refused["Location"]
    session = browser.session
    from django.utils import timezone

    session["dac_authenticated_at"] = int(timezone.now().timestamp())
    session.save()
    grace_hopper(federation, sub="researcher1-at-idp")

    response = sign_in_through_provider(browser, process="connect")

    assert response.status_code == 302
    assert SocialAccount.objects.get(uid="researcher1-at-idp").user == researcher
    assert last_event("accounts.identity_linked") is not None
    assert ResearcherVisa.objects.filter(user=researcher).exists()


def test_passwords_can_be_switched_off_for_everyone_but_administrators(
    settings: Any, client: Client
) -> None:
    settings.LOCAL_LOGIN_ENABLED = False

    researcher = client.post(
        "/accounts/login/", {"username": "researcher1", "password": settings.DEMO_PASSWORD}
    )
    admin = Client().post(
        "/accounts/login/", {"username": "admin", "password": settings.DEMO_PASSWORD}
    )

    assert researcher.status_code == 200
    assert b"passwords are switched off" in researcher.content
    assert admin.status_code == 302


def test_a_first_sign_in_without_an_e_mail_asks_only_for_it(
    federation: Any, browserless: Client
) -> None:
    add_person(
        federation, "no-mail-sub", name="Rosalind Franklin", schac_home_organization="kcl.ac.uk"
    )

    response = sign_in_through_provider(browserless)

    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/federated/signup/")
    form = browserless.get("/accounts/federated/signup/")
    assert form.status_code == 200
    assert b"Finish making your account" in form.content
    assert not User.objects.filter(first_name="Rosalind").exists()

    made = browserless.post(
        "/accounts/federated/signup/", {"email": "rosalind@kcl.ac.uk", "username": "rfranklin"}
    )

    assert made.status_code == 302
    person = User.objects.get(username="rfranklin")
    assert person.email == "rosalind@kcl.ac.uk" and person.first_name == "Rosalind"
    assert not person.has_usable_password()
    assert person.visas.filter(type="ResearcherStatus").exists()
    assert person.home_organization == "kcl.ac.uk"


@pytest.fixture
def chair_with_a_provider(federation: Any, settings: Any) -> None:
    """chair1, who must use a second factor, has linked the test provider."""
    settings.OTP_REQUIRED_FOR_PRIVILEGED = True
    chair = User.objects.get(username="chair1")
    SocialAccount.objects.create(user=chair, provider="testidp", uid="chair1-at-idp")
    add_person(federation, "chair1-at-idp", name="Helena Lindqvist", email="chair1@example.org")


def test_a_chair_whose_provider_vouches_for_mfa_is_not_asked_for_a_code(
    federation: Any, browserless: Client, chair_with_a_provider: None
) -> None:
    control(federation, "acr", {"acr": "https://refeds.org/profile/mfa", "amr": None})

    sign_in_through_provider(browserless)

    assert browserless.get("/review/").status_code == 200


def test_a_chair_whose_provider_does_not_is_sent_to_the_second_factor(
    browserless: Client, chair_with_a_provider: None
) -> None:
    sign_in_through_provider(browserless)

    answer = browserless.get("/review/")
    assert answer.status_code == 302 and "/accounts/2fa/" in answer["Location"]
