"""Template tags of the transparency pages: the home page lists the committees' public
policy pages without the home view having to know about them."""

from __future__ import annotations

from django import template

from transparency.selectors import committee_choices

register = template.Library()


@register.simple_tag
def public_committees() -> list[tuple[str, str]]:
    """(slug, name) of every committee, by name: their policy pages are public."""
    return committee_choices()
