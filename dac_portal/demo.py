"""The demo data seeders, in the order they run. Each app owns its own `demo.py` with a
`seed(ctx)` function that is idempotent (get-or-create by natural key) and adds what its
pages need to `ctx`, a dict shared along the chain (users, committee, datasets …)."""

SEEDERS = [
    "accounts.demo",
    "consent.demo",
    "access_requests.demo",
    "agreements.demo",
    "access_requests.review.demo",  # after agreements: approvals need its template and policy
    "access_requests.appeals.demo",  # after the review demo, whose rejection it appeals
    "consent.reconsent_demo",  # last: an open re-consent flag blocks approving its dataset
    "data_hosts.demo",
    "transparency.demo",  # a year of decided requests for /stats/ (DEMO_HISTORY)
    "audit.demo",  # last: a signed tree head over every event the seeders wrote
]
