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


# Issue 12, item 6: what applicants type is text in the agreement, never Markdown.


def test_a_markdown_link_in_a_title_is_shown_as_text() -> None:
    text = rendering.fill(
        "# {{ title }}\n\nSee [the policy](https://dac.example/policy).",
        {"title": "[click](https://evil.example)"},
    )
    html = rendering.to_html(text)
    assert "evil.example" in html
    assert 'href="https://evil.example"' not in html
    assert "[click](https://evil.example)" in html
    # The committee's own template keeps its link.
    assert 'href="https://dac.example/policy"' in html


def test_markdown_emphasis_images_and_headings_in_values_stay_literal() -> None:
    values = {
        "title": "**bold** _em_ ![img](https://evil.example/x.png) `code`",
        "applicant": "# Not a heading",
        "institution": "1. Not a list | not | a table",
        "collaborators": rendering.markdown_list(["[x](https://evil.example)", "* star"]),
        "conditions": rendering.markdown_list(["<https://evil.example>"]),
    }
    text = rendering.fill(
        "{{ title }}\n\n{{ applicant }}\n\n{{ institution }}\n\n{{ collaborators }}\n\n"
        "{{ conditions }}",
        values,
    )
    html = rendering.to_html(text)
    for tag in ("<strong>", "<em>", "<img", "<code>", "<h1>", "<ol>", "<table", "<a "):
        assert tag not in html, tag
    assert "**bold** _em_ ![img](https://evil.example/x.png) `code`" in html
    assert "# Not a heading" in html
    assert html.count("<li>") == 3
    assert "[x](https://evil.example)" in html and "* star" in html


def test_an_agreement_for_a_request_with_a_link_in_its_title_shows_it_as_text(
    client, researcher1, chair1, official1
) -> None:
    from agreements.demo import approve_for_demo

    access_request = approve_for_demo(
        applicant=researcher1,
        title="[click](https://evil.example)",
        datasets=["DACD000007"],
        chair=chair1,
        official=official1,
        conditions=[],
        collaborators=[],
    )
    client.force_login(researcher1)
    page = client.get(f"/requests/{access_request.reference}/agreement/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'href="https://evil.example"' not in body
    assert "[click](https://evil.example)" in body
