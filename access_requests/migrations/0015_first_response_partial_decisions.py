"""0014 filled in the first response from each request's decision time and its requests for
changes, but a request spanning committees has no decision time of its own until every
committee has decided: one committee's earlier decision (CommitteeRoute.decided_at, and its
`access_request.decided` audit event) was its first answer, and 0014 missed it. The services
have set it since 0014 (access_request_decide); this brings the earlier requests in line.
The statistics rollup counts every past day again at its next daily refresh."""

from django.db import migrations
from django.db.models import Min, OuterRef, Q, Subquery


def backfill(apps, schema_editor):
    AccessRequest = apps.get_model("access_requests", "AccessRequest")
    CommitteeRoute = apps.get_model("access_requests", "CommitteeRoute")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    first_route_decision = (
        CommitteeRoute.objects.filter(access_request=OuterRef("pk"), decided_at__isnull=False)
        .order_by("decided_at")
        .values("decided_at")[:1]
    )
    first_decided_event = (
        AuditEvent.objects.filter(
            object_type="access_request",
            object_id=OuterRef("reference"),
            action="access_request.decided",
        )
        .order_by("seq")
        .values("occurred_at")[:1]
    )
    candidates = AccessRequest.objects.annotate(
        route=Subquery(first_route_decision), event=Subquery(first_decided_event)
    ).filter(Q(route__isnull=False) | Q(event__isnull=False))
    for pk, current, route, event in candidates.values_list(
        "pk", "first_response_at", "route", "event"
    ).iterator():
        earliest = min(t for t in (current, route, event) if t is not None)
        if earliest != current:
            AccessRequest.objects.filter(pk=pk).update(first_response_at=earliest)


class Migration(migrations.Migration):

    dependencies = [
        ("access_requests", "0014_first_response"),
        ("audit", "0006_transparency_log"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
