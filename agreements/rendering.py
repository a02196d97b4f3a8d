"""Agreement text: filling a template's placeholders, hashing, and rendering Markdown to
HTML safely. Pure: no ORM (callers pass plain values).

Placeholders are `{{ name }}` with one of PLACEHOLDERS' names; anything else between
double braces is left as written, so a template cannot reach into Python objects the way
a Django template could. The filled-in Markdown is *the* agreement text: its SHA-256 is
what a signer confirms, and the HTML shown is derived from it (markdown, then nh3, which
keeps only harmless tags and attributes, so a template or a request title cannot inject
script or styles into the page).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import markdown
import nh3

PLACEHOLDERS = {
    "reference": "the request reference (DAR-…)",
    "title": "the request title",
    "applicant": "the applicant's name",
    "institution": "the applicant's institution",
    "committee": "the committee's name",
    "datasets": "a Markdown list of the approved datasets (accession and title)",
    "conditions": "a Markdown list of the approval conditions, or 'None.'",
    "collaborators": "a Markdown list of the collaborators, or 'None.'",
    "access_days": "the access period in days",
    "date": "the date the agreement was prepared (YYYY-MM-DD)",
}

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


# Characters that start inline Markdown (links and images need `[`, emphasis `*` and `_`,
# code spans a backtick, table cells `|`): Python-Markdown reads each literally after a
# backslash. Other characters stay as typed so references and dates read plainly.
_INLINE_SPECIAL = frozenset("\\`*_[]|")
# At the start of a line these make a heading, a list, a quote or a setext underline.
_BLOCK_START = re.compile(r"^(?:[#+\-]|\d+[.)])")


def _escape_inline(value: str) -> str:
    """Values typed by applicants (a request title, names, institutions, conditions) go into
    Markdown as text: kept on one line, with what would start Markdown syntax escaped and
    what would start HTML or an autolink (`<…>`) written as entities. So
    `[click](https://evil.example)` in a title shows as typed instead of becoming a live
    link in the agreement, while the committee's own template text around it keeps its
    formatting. A value may land at the start of a template line, so a leading `#`, `-`,
    `+`, `1.` or `=` is escaped too."""
    value = " ".join(str(value).split())
    value = "".join("\\" + c if c in _INLINE_SPECIAL else c for c in value)
    value = value.replace("<", "&lt;").replace(">", "&gt;")
    if value.startswith("="):
        value = "&#61;" + value[1:]
    match = _BLOCK_START.match(value)
    if match:
        end = match.end()
        value = value[: end - 1] + "\\" + value[end - 1 :]
    return value


def markdown_list(items: list[str], *, empty: str = "None.") -> str:
    if not items:
        return empty
    return "\n".join(f"- {_escape_inline(item)}" for item in items)


def fill(template_body: str, values: Mapping[str, str]) -> str:
    """Replace known placeholders; list-valued ones (already Markdown) go in as given."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS or name not in values:
            return match.group(0)
        value = values[name]
        if name in {"datasets", "conditions", "collaborators"}:
            return str(value)
        return _escape_inline(value)

    text = _PLACEHOLDER.sub(replace, template_body)
    # One newline convention, so the hash does not depend on the browser that posted it.
    return text.replace("\r\n", "\n").strip() + "\n"


def unknown_placeholders(template_body: str) -> list[str]:
    return sorted({m.group(1) for m in _PLACEHOLDER.finditer(template_body)} - set(PLACEHOLDERS))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_HEADING = re.compile(r"<(/?)h([1-6])>")


def to_html(text: str, *, heading_offset: int = 0) -> str:
    """Markdown → sanitised HTML (safe to mark_safe). `heading_offset` demotes headings
    (1: the text's # becomes <h2>), so a page keeps one <h1> of its own."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    if heading_offset:
        clean = _HEADING.sub(
            lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + heading_offset)}>", clean
        )
    return clean
