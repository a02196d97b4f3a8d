"""Matrix rows for the inbox: every signed-in person has their own; a visitor signs in."""

from tests.security.matrix import Row

ROWS = [
    Row("notifications:inbox", "GET", "/inbox/", {"anonymous": 302, "*": 200}),
    Row(
        "notifications:inbox-read",
        "POST",
        "/inbox/read/",
        {"anonymous": 302, "*": 302},
        body={},
        form=True,
    ),
]
