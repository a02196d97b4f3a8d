"""One vote per person on one question (an appeal, a renewal), changeable until the
decision: the row written the same way wherever the portal asks for votes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Model


def vote_cast_or_change(
    model: type[Model], *, now: datetime, vote: str, rationale: str, **key: Any
) -> tuple[Any, bool]:
    """The vote row for `key` (e.g. appeal=…, voter=…) with `vote` and `rationale`: made
    (cast now) or changed (updated now). Returns the row and whether it was made. The
    caller holds the lock of what is voted on, so two votes of one person cannot race."""
    return model._default_manager.update_or_create(
        **key,
        defaults={"vote": vote, "rationale": rationale, "updated_at": now},
        create_defaults={"vote": vote, "rationale": rationale, "cast_at": now, "updated_at": now},
    )
