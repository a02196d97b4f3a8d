"""The rules of federated identity that need no provider: the configuration is checked at
start-up, the last way to sign in cannot be unlinked, a domain is mapped once, and the
claims are read as documented (docs/identity.md)."""

from __future__ import annotations

import json

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ImproperlyConfigured

from accounts.federation import claims, services
from accounts.models import Institution, InstitutionDomain, User
from audit.models import AuditEvent
from dac_portal.errors import Conflict, NotFound
from dac_portal.federation_settings import parse_providers, parse_trusted_issuers


def provider(**overrides: object) -> str:
    entry = {
        "id": "lslogin",
        "name": "LS Login",
        "issuer": "https://login.aai.lifescience-ri.eu/oidc/",
        "client_id": "portal",
        "client_secret": "s3cret",
        "scopes": ["profile", "email"],
    }
    entry.update(overrides)
    return json.dumps([entry])


def test_a_provider_is_read_with_openid_added_to_its_scopes() -> None:
    [lslogin] = parse_providers(provider(), debug=False)
    assert lslogin.issuer == "https://login.aai.lifescience-ri.eu/oidc"
    assert lslogin.scopes == ("openid", "profile", "email")
    assert "s3cret" not in repr(lslogin)


@pytest.mark.parametrize(
    ("issuer", "debug"),
    [
        ("http://127.0.0.1:9000", False),
        ("http://idp.example.org", True),
        ("ftp://idp.example.org", True),
    ],
)
def test_an_issuer_that_is_not_https_is_refused_at_start_up(issuer: str, debug: bool) -> None:
    with pytest.raises(ImproperlyConfigured, match="https"):
        parse_providers(provider(issuer=issuer), debug=debug)


def test_plain_http_is_allowed_on_loopback_with_debug_on() -> None:
    [local] = parse_providers(provider(issuer="http://127.0.0.1:9000"), debug=True)
    assert local.issuer == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    "raw",
    ["{not json", '{"id": "x"}', provider(id="Bad Id"), provider(client_secret=""), "[1]"],
)
def test_a_mistake_in_oidc_providers_stops_the_portal_with_the_reason(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_providers(raw, debug=False)


def test_two_providers_may_not_share_an_id() -> None:
    one = json.loads(provider())[0]
    with pytest.raises(ImproperlyConfigured, match="same id"):
        parse_providers(json.dumps([one, one]), debug=False)


def test_the_trust_list_must_map_issuers_to_jwks_urls() -> None:
    assert parse_trusted_issuers('{"https://v.example/": "https://v.example/jwks"}') == {
        "https://v.example": "https://v.example/jwks"
    }
    with pytest.raises(ImproperlyConfigured):
        parse_trusted_issuers('["https://v.example"]')


def test_the_home_organisation_comes_from_schac_or_the_scoped_affiliation() -> None:
    assert claims.home_organization({"schac_home_organization": "Uni.Example"}) == "uni.example"
    assert (
        claims.home_organization({"eduperson_scoped_affiliation": ["member@uonbi.ac.ke"]})
        == "uonbi.ac.ke"
    )
    assert claims.home_organization({"schac_home_organization": "not a domain"}) == ""


def test_an_orcid_id_is_read_from_the_claim_or_from_orcid_s_own_sub() -> None:
    assert claims.orcid({"orcid": "https://orcid.org/0000-0002-1825-0097"}, issuer="x") == (
        "0000-0002-1825-0097"
    )
    assert claims.orcid({"sub": "0000-0002-1825-0097"}, issuer="https://orcid.org") == (
        "0000-0002-1825-0097"
    )
    assert claims.orcid({"sub": "0000-0002-1825-0097"}, issuer="https://idp.example") == ""


def test_refeds_mfa_or_an_mfa_amr_counts_as_a_second_factor() -> None:
    assert claims.multi_factor({"acr": "https://refeds.org/profile/mfa"})
    assert claims.multi_factor({"amr": ["pwd", "mfa"]})
    assert not claims.multi_factor({"acr": "https://refeds.org/profile/sfa", "amr": ["pwd"]})


@pytest.mark.django_db
def test_the_last_way_to_sign_in_cannot_be_unlinked(researcher1: User) -> None:
    researcher1.set_unusable_password()
    researcher1.save()
    only = SocialAccount.objects.create(user=researcher1, provider="lslogin", uid="abc")

    with pytest.raises(Conflict):
        services.identity_unlink(user=researcher1, account_id=only.pk)

    assert SocialAccount.objects.filter(pk=only.pk).exists()


@pytest.mark.django_db
def test_unlinking_removes_the_identity_and_its_visas_and_is_audited(researcher1: User) -> None:
    linked = SocialAccount.objects.create(user=researcher1, provider="demo-idp", uid="abc")

    services.identity_unlink(user=researcher1, account_id=linked.pk)

    assert not SocialAccount.objects.filter(pk=linked.pk).exists()
    assert not researcher1.visas.filter(provider_id="demo-idp").exists()
    event = AuditEvent.objects.filter(action="accounts.identity_unlinked").latest("seq")
    assert event.data == {"provider": "demo-idp"}


@pytest.mark.django_db
def test_someone_else_s_identity_is_not_found(researcher1: User, researcher2: User) -> None:
    theirs = SocialAccount.objects.create(user=researcher2, provider="lslogin", uid="xyz")
    with pytest.raises(NotFound):
        services.identity_unlink(user=researcher1, account_id=theirs.pk)


@pytest.mark.django_db
def test_mapping_a_domain_gives_everyone_from_it_the_institution_once(
    researcher2: User, admin: User
) -> None:
    User.objects.filter(pk=researcher2.pk).update(
        institution=None, home_organization="genomics-institute.example"
    )
    domain = InstitutionDomain.objects.get(domain="genomics-institute.example")
    helix = Institution.objects.get(name="Helix Analytics Ltd")

    updated = services.institution_domain_map(domain=domain, institution=helix, actor=admin)

    assert updated == 1
    researcher2.refresh_from_db()
    assert researcher2.institution == helix
    with pytest.raises(Conflict):
        services.institution_domain_map(domain=domain, institution=helix, actor=admin)
