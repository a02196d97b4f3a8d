"""Agreement text: placeholders filled, unknown ones kept, HTML sanitised."""

from __future__ import annotations

from agreements import rendering


def test_placeholders_are_filled_and_unknown_ones_left_as_written() -> None:
    text = rendering.fill(
        "A {{ reference }} B {{ nope }} C {{datasets}}",
        {
            "reference": "DAR-2026-000001",
            "datasets": "- X",
        },
    )
    assert text == "A DAR-2026-000001 B {{ nope }} C - X\n"
    assert rendering.unknown_placeholders("{{ nope }} {{ title }}") == ["nope"]


def test_typed_values_cannot_inject_html() -> None:
    text = rendering.fill("# {{ title }}", {"title": "<script>alert(1)</script>"})
    html = rendering.to_html(text)
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_markdown_html_is_sanitised() -> None:
    html = rendering.to_html(
        '<img src=x onerror="alert(1)"> [a](javascript:alert(1)) <b style="x">b</b> **ok**'
    )
    assert "onerror" not in html and "javascript:" not in html and "style" not in html
    assert "<strong>ok</strong>" in html


def test_the_hash_is_of_the_exact_text() -> None:
    assert rendering.sha256_hex("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert rendering.fill("x\r\ny", {}) == "x\ny\n"


def test_headings_can_be_demoted_so_the_page_keeps_one_h1() -> None:
    assert rendering.to_html("# A\n\n## B", heading_offset=1) == "<h2>A</h2>\n<h3>B</h3>"
