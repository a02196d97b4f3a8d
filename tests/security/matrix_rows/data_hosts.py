"""Matrix rows for webhooks and the entitlement changes feed (data_hosts). Stewards and
administrators keep webhooks; a subscription is seen by its owner (steward1's demo one)
and administrators only, and any other id is a 404, never a 403."""

from tests.security.matrix import Row

KEEPERS = {"anonymous": 302, "admin": 200, "steward1": 200, "*": 403}
UNKNOWN = "00000000-0000-0000-0000-000000000000"


def _demo_subscription(demo) -> str:  # type: ignore[no-untyped-def]
    from data_hosts.models import WebhookSubscription

    return str(WebhookSubscription.objects.get(owner=demo.user("steward1")).public_id)


ROWS = [
    Row("data_hosts:webhooks", "GET", "/webhooks/", KEEPERS),
    Row(
        "data_hosts:webhooks",
        "POST",
        "/webhooks/",
        {"anonymous": 302, "admin": 400, "steward1": 400, "*": 403},
        body={"url": "", "events": []},
        form=True,
        note="empty form",
    ),
    Row(
        "data_hosts:webhook",
        "GET",
        lambda demo: f"/webhooks/{_demo_subscription(demo)}/",
        {"anonymous": 302, "admin": 200, "steward1": 200, "*": 404},
    ),
    Row(
        "data_hosts:webhook-delete",
        "POST",
        f"/webhooks/{UNKNOWN}/delete/",
        {"anonymous": 302, "*": 404},
        form=True,
        note="not the caller's",
    ),
    Row(
        "data_hosts:delivery-retry",
        "POST",
        f"/webhooks/{UNKNOWN}/deliveries/1/retry/",
        {"anonymous": 302, "*": 404},
        form=True,
        note="not the caller's",
    ),
    Row("api-webhooks", "GET", "/api/v1/webhooks/", {"anonymous": 401, "*": 200}),
    Row(
        "api-webhooks",
        "POST",
        "/api/v1/webhooks/",
        {"anonymous": 401, "admin": 400, "steward1": 400, "*": 403},
        body={"url": "ftp://nowhere", "events": ["grant.exploded"]},
        note="bad url and event",
    ),
    Row(
        "api-webhook",
        "GET",
        lambda demo: f"/api/v1/webhooks/{_demo_subscription(demo)}/",
        {"anonymous": 401, "admin": 200, "steward1": 200, "*": 404},
    ),
    Row(
        "api-webhook",
        "PATCH",
        f"/api/v1/webhooks/{UNKNOWN}/",
        {"anonymous": 401, "*": 404},
        body={"active": False},
        note="not the caller's",
    ),
    Row(
        "api-webhook",
        "DELETE",
        f"/api/v1/webhooks/{UNKNOWN}/",
        {"anonymous": 401, "*": 404},
        note="not the caller's",
    ),
    Row(
        "api-entitlement-changes",
        "GET",
        "/api/v1/entitlements/changes/?after=0",
        {"anonymous": 401, "admin": 200, "*": 403},
    ),
]
