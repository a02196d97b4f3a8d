"""The main menu is a registry filled by each app's menu.py; the lowest layer imports no app."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import translation

from dac_portal import navigation


def menu_labels(user: Any) -> list[str]:
    request = RequestFactory().get("/")
    request.user = user
    with translation.override("en"):  # labels are lazy: another test may have left French on
        return [str(item["label"]) for item in navigation.nav_items(request)["nav_items"]]


def test_every_app_contributes_its_entries_in_one_order() -> None:
    assert [item.url_name for item in navigation.registered_items()] == [
        "consent:catalogue",
        "transparency:register",
        "transparency:statistics",
        "consent:steward",
        "access_requests:list",
        "access_requests:review-queue",
        "audit:log",
        "agreements:grants",
        "agreements:templates",
        "data_hosts:webhooks",
        "agreements:sanctions",
        "notifications:inbox",
    ]


def test_an_anonymous_visitor_sees_only_the_public_pages() -> None:
    assert menu_labels(AnonymousUser()) == ["Datasets", "Register", "Statistics"]


@pytest.mark.django_db
def test_a_researcher_sees_their_requests_and_grants_but_not_the_committee_pages(
    researcher1: Any,
) -> None:
    labels = menu_labels(researcher1)
    assert {"My requests", "Grants"} <= set(labels)
    assert not {"Review", "Audit log", "Sanctions", "Agreement templates"} & set(labels)


@pytest.mark.django_db
def test_a_chair_sees_the_review_queue_and_the_agreement_templates(chair1: Any) -> None:
    assert {"Review", "Agreement templates"} <= set(menu_labels(chair1))


@pytest.mark.django_db
def test_an_auditor_sees_the_audit_log(auditor1: Any) -> None:
    assert "Audit log" in menu_labels(auditor1)


def test_a_url_name_cannot_be_registered_twice() -> None:
    navigation.registered_items()
    with pytest.raises(ValueError, match="consent:catalogue"):
        navigation.register(navigation.NavItem("consent:catalogue", "Again", navigation.everyone))
