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
    Row("transparency:statistics", "GET", "/stats/?format=csv", EVERYONE, note="csv"),
    Row(
        "transparency:statistics",
        "GET",
        "/stats/?format=xml",
        {"anonymous": 400, "*": 400},
        note="unknown format",
    ),
]

# The transparency log (docs/transparency-log.md): tree heads and proofs are public. The
# demo signs one tree head over its events, so small sizes exist.
PROOF = "/api/v1/transparency/proof"
ROWS += [
    Row("transparency:sth", "GET", "/transparency/sth", EVERYONE),
    Row("transparency:log-key", "GET", "/transparency/key.pem", EVERYONE),
    Row("api-transparency-tree-heads", "GET", "/api/v1/transparency/tree-heads/", EVERYONE),
    Row(
        "api-transparency-tree-heads",
        "GET",
        "/api/v1/transparency/tree-heads/?page=0",
        INVALID,
        note="junk page",
    ),
    Row("api-transparency-inclusion", "GET", f"{PROOF}/inclusion?event=1&size=2", EVERYONE),
    Row(
        "api-transparency-inclusion",
        "GET",
        f"{PROOF}/inclusion?event=3&size=2",
        INVALID,
        note="event past size",
    ),
    Row(
        "api-transparency-inclusion",
        "GET",
        f"{PROOF}/inclusion?event=1&size=999999999",
        NOBODY,
        note="size past the tree",
    ),
    Row("api-transparency-inclusion", "GET", f"{PROOF}/inclusion?event=x", INVALID, note="junk"),
    Row("api-transparency-consistency", "GET", f"{PROOF}/consistency?from=1&to=2", EVERYONE),
    Row(
        "api-transparency-consistency",
        "GET",
        f"{PROOF}/consistency?from=2&to=1",
        INVALID,
        note="from past to",
    ),
    Row("api-transparency-consistency", "GET", f"{PROOF}/consistency", INVALID, note="missing"),
]
