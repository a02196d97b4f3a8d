"""Matrix rows for the public transparency pages: everyone (signed in or not) reads them."""

from tests.security.matrix import Row

EVERYONE = {"anonymous": 200, "*": 200}
NOBODY = {"anonymous": 404, "*": 404}
INVALID = {"anonymous": 400, "*": 400}

ROWS = [
    Row("transparency:register", "GET", "/register/", EVERYONE),
    Row(
        "transparency:register",
        "GET",
        "/register/?q=reference&committee=genomics-dac&dataset=DACD000005",
        EVERYONE,
        note="filtered",
    ),
    Row("transparency:register", "GET", "/register/?format=csv", EVERYONE, note="csv"),
    Row("transparency:register", "GET", "/register/?format=json", EVERYONE, note="json"),
    Row("transparency:register", "GET", "/register/?cursor=not-a-cursor", INVALID, note="cursor"),
    Row("transparency:committee", "GET", "/committees/genomics-dac/", EVERYONE),
    Row("transparency:committee", "GET", "/committees/no-such-dac/", NOBODY, note="unknown"),
    Row("transparency:statistics", "GET", "/stats/", EVERYONE),
]
