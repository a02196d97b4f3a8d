"""Templates ask the named rules with {% may %}, so a button shows when the service would act."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

TEMPLATE = Template(
    '{% load rules %}{% may "access_request.create" as allowed %}{% if allowed %}yes{% else %}no'
    "{% endif %}"
)


def rendered_for(user: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"request": request}))


@pytest.mark.django_db
def test_a_researcher_may_create_a_request(researcher1: Any) -> None:
    assert rendered_for(researcher1) == "yes"


@pytest.mark.django_db
def test_an_auditor_may_not(auditor1: Any) -> None:
    assert rendered_for(auditor1) == "no"


def test_an_anonymous_visitor_may_not() -> None:
    assert rendered_for(AnonymousUser()) == "no"
