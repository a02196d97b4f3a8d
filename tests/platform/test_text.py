"""Every typed text goes through dac_portal.text.clean_text, so every field refuses alike."""

from __future__ import annotations

import pytest

from dac_portal.errors import ValidationError
from dac_portal.text import clean_text


def refusal(value: object, **options: object) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        clean_text(value, field="reason", limit=10, **options)  # type: ignore[arg-type]
    return refused.value.details["reason"]


def test_text_is_stripped_and_kept_with_its_line_breaks() -> None:
    assert clean_text("  a\nb\tc  ", field="reason", limit=10) == "a\nb\tc"


def test_what_is_not_text_is_refused() -> None:
    assert refusal(42) == ["Must be text."]
    assert refusal(["a"]) == ["Must be text."]


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f"])
def test_control_characters_are_refused(character: str) -> None:
    assert refusal(f"ok{character}ok") == ["Must not contain control characters."]


def test_too_long_is_refused_after_stripping() -> None:
    assert clean_text("   0123456789   ", field="reason", limit=10) == "0123456789"
    assert refusal("01234567890") == ["At most 10 characters."]


def test_empty_is_refused_when_required_and_says_what_is_missing() -> None:
    assert refusal("   ") == ["Required."]
    assert refusal(None, missing="Say why.") == ["Say why."]
    assert clean_text(None, field="reason", limit=10, required=False) == ""
