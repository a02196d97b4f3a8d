"""Names where people read, codes only as secondary text (issue 14): every HTML page of the
authorization matrix, opened by every demo role that may open it, is searched for what a
person should never have to decode — an ISO country code, a DUO code or a disease id
without its words, a username where the person has a full name, an attestation key.

Codes may still appear as *secondary* text: inside `<code>` (hashes, the audit log's
payload), or an element of class `duo-code` / `audit-code` next to the words. Form field
values and attributes are not text a person reads, so they are not searched."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from access_requests.models import ATTESTATIONS
from accounts.models import Institution, User
from tests.security.matrix import ROLES, all_rows

pytestmark = pytest.mark.django_db

SECONDARY = {"duo-code", "audit-code", "visually-hidden"}
DUO_CODES = [
    "NRES",
    "GRU",
    "HMB",
    "POA",
    "NCU",
    "NPU",
    "NPUNCU",
    "NPOA",
    "NMDS",
    "GSO",
    "IRB",
    "PUB",
    "RTN",
    "MOR",
    "COL",
    "DS",
]
DUO = re.compile(r"(?<![\w:(/-])(" + "|".join(DUO_CODES) + r")(?![\w-])")
# "breast cancer (DOID:1612)" names the disease; a bare "DOID:1612" does not.
DISEASE_ID = re.compile(r"(?<!\()\b(DOID|MONDO):\d+")
NOT_PAGES = re.compile(r"^/(api|\.well-known|admin|static|media)/")
# The account pages name the sign-in identity itself; the audit log keeps the username as
# the actor's label (shown beside the name, as secondary text).
USERNAME_PAGES = re.compile(r"^/accounts/")


class VisibleText(HTMLParser):
    """The text a reader sees, without secondary codes, scripts or styles."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[bool] = []  # whether each open element hides its text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        hidden = tag in {"script", "style", "code", "title"} or bool(classes & SECONDARY)
        self.stack.append(hidden or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)

    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return parser.text()


class Demo:
    def user(self, username: str) -> User:
        return User.objects.get(username=username)


def _pages(role: str) -> list[str]:
    urls = []
    for row in all_rows():
        if row.method != "GET" or row.body or row.expected_for(role) != 200:
            continue
        url = row.path(Demo()) if callable(row.path) else row.path
        if not NOT_PAGES.match(url) and url not in urls:
            urls.append(url)
    return urls


def _problems(url: str, text: str, names: dict[str, str], countries: set[str]) -> list[str]:
    found = []
    for key in ATTESTATIONS:
        if key in text:
            found.append(f"attestation key {key!r}")
    found += [f"disease id {m.group(0)!r} without its name" for m in DISEASE_ID.finditer(text)]
    found += [f"DUO code {m.group(0)!r} without its words" for m in DUO.finditer(text)]
    found += [
        f"country code {code!r}"
        for code in countries
        if re.search(rf"(?<![\w-]){code}(?![\w-])", text)
    ]
    if not USERNAME_PAGES.match(url):
        found += [
            f"username {username!r} instead of {full!r}"
            for username, full in names.items()
            if re.search(rf"(?<![\w-]){re.escape(username)}(?![\w-])", text)
        ]
    return found


@pytest.mark.parametrize("role", ROLES)
def test_pages_show_names_not_codes(role: str) -> None:
    names = {
        u.username: u.get_full_name()
        for u in User.objects.all()
        if u.get_full_name() and u.get_full_name() != u.username
    }
    countries = {c for c in Institution.objects.values_list("country", flat=True) if c}
    client = Client()
    if role != "anonymous":
        client.force_login(User.objects.get(username=role))
    wrong = []
    for url in _pages(role):
        response = client.get(url)
        if "text/html" not in response.get("Content-Type", "") or response.status_code != 200:
            continue
        text = visible_text(response.content.decode())
        wrong += [f"{url}: {problem}" for problem in _problems(url, text, names, countries)]
    assert not wrong, f"As {role}:\n" + "\n".join(sorted(set(wrong)))
