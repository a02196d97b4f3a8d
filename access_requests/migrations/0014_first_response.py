"""The committee's first answer to each request (a request for changes or the decision,
whichever came first), for the public statistics' time to first response; filled in for the
requests already answered from their decision time and the audit log's requests for
changes."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Case, Exists, F, OuterRef, Subquery, When


def backfill(apps, schema_editor):
    AccessRequest = apps.get_model("access_requests", "AccessRequest")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AccessRequest.objects.filter(decided_at__isnull=False).update(first_response_at=F("decided_at"))
    first_change = (
        AuditEvent.objects.filter(
            object_type="access_request",
            object_id=OuterRef("reference"),
            action="access_request.changes_requested",
        )
        .order_by("seq")
        .values("occurred_at")[:1]
    )
    AccessRequest.objects.filter(Exists(first_change)).update(
        first_response_at=Case(
            When(first_response_at__isnull=True, then=Subquery(first_change)),
            When(first_response_at__gt=Subquery(first_change), then=Subquery(first_change)),
            default=F("first_response_at"),
        )
    )


class Migration(migrations.Migration):

    dependencies = [
        ('access_requests', '0013_statistics_indexes'),
        ('accounts', '0007_committee_decision_policy'),
        ('audit', '0006_transparency_log'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='accessrequest',
            name='first_response_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='accessrequest',
            index=models.Index(condition=models.Q(('first_response_at__isnull', False)), fields=['first_response_at'], name='access_request_first_response'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
