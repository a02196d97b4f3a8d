"""`manage.py rotate_document_keys`: re-encrypt every stored document under the newest key
of FIELD_ENCRYPTION_KEYS, so that older keys can then be removed (docs/access-requests.md,
"Documents"). Idempotent, in batches, each row in its own short transaction."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from access_requests import documents
from access_requests.models import Document


class Command(BaseCommand):
    help = "Re-encrypt stored documents with the newest FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        done = 0
        last_id = 0
        while True:
            ids = list(
                Document.objects.filter(pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", flat=True)[: options["batch"]]
            )
            if not ids:
                break
            for pk in ids:
                with transaction.atomic():
                    document = Document.objects.select_for_update().get(pk=pk)
                    document.ciphertext = documents.rotate(bytes(document.ciphertext))
                    document.save(update_fields=["ciphertext"])
                done += 1
            last_id = ids[-1]
        self.stdout.write(f"Re-encrypted {done} documents under the newest key.")
