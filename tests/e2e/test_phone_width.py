"""Every page on a phone (issue 14): each HTML page of the authorization matrix that a demo
role may open is loaded at 375 px wide as that role, and the page itself must not scroll
sideways (`document.documentElement.scrollWidth <= 375`). Tables that cannot reflow scroll
inside their own labelled region (.table-scroll), which does not widen the page.

`make screenshots` runs the same walk at 375 and 1280 px (SCREENSHOT_WIDTHS=375,1280) and
writes each page's screenshot to var/screenshots/<width>/<role>/; the suite only measures."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from tests.security.matrix import ROLES, Row, all_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 375
WIDTHS = [int(w) for w in os.environ.get("SCREENSHOT_WIDTHS", str(PHONE)).split(",") if w]
# The suite only measures; `make screenshots` (SCREENSHOT_WIDTHS set) also keeps a picture
# of every page, which is most of the walk's time.
KEEP_SHOTS = "SCREENSHOT_WIDTHS" in os.environ
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# Not pages a person reads: machine formats and downloads answer with other content types
# (checked below as well), and the API is JSON.
NOT_PAGES = re.compile(r"^/(api|\.well-known|admin|static|media)/")


class Demo:
    def user(self, username: str) -> User:
        return User.objects.get(username=username)


def pages_for(role: str) -> list[tuple[Row, Any]]:
    return [
        (row, row.path)
        for row in all_rows()
        if row.method == "GET"
        and not row.body
        and row.expected_for(role) == 200
        and not (isinstance(row.path, str) and NOT_PAGES.match(row.path))
    ]


def _sign_in(context: Any, role: str) -> None:
    """The role's session, made by Django's test client and handed to the browser: the
    same session a password sign-in gives, without typing it on every test."""
    if role == "anonymous":
        return
    client = Client()
    client.force_login(User.objects.get(username=role))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": context.base_url}])


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_at_375_px(browser, live_server, seeded, role):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": PHONE, "height": 800}
    )
    context.base_url = live_server.url
    _sign_in(context, role)
    page = context.new_page()
    page.set_default_timeout(15_000)
    too_wide = []
    seen = set()
    try:
        for row, path in pages_for(role):
            url = path(Demo()) if callable(path) else path
            if NOT_PAGES.match(url) or url in seen:
                continue
            seen.add(url)
            # Downloads and machine formats are not pages: asked first with the same
            # session, and skipped unless they answer with HTML to show.
            probe = context.request.get(url, max_redirects=0)
            headers = probe.headers
            if "text/html" not in headers.get("content-type", "") or "attachment" in headers.get(
                "content-disposition", ""
            ):
                continue
            page.goto(url)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                name = row.route.replace(":", "-") + (f"-{row.note}" if row.note else "")
                shot = SHOTS / str(width) / role / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
                if KEEP_SHOTS:
                    shot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shot), full_page=True)
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if width == PHONE and scroll > PHONE:
                    too_wide.append(f"{url} is {scroll} px wide")
            page.set_viewport_size({"width": PHONE, "height": 800})
    finally:
        context.close()
    assert not too_wide, f"At {PHONE} px, as {role}:\n" + "\n".join(too_wide)
