"""Demo data of the transparency log: a signed tree head over the demo's events, so that
/transparency/sth and the proofs answer in a fresh `make run` (the hourly job signs the
later ones). Runs last, after every seeder has written its events; signs only once, so
seeding again changes nothing (the notifications the seed sends are audited after it)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from audit.models import TreeHead
from audit.transparency_log import tree_head_sign


def seed(ctx: dict[str, Any]) -> None:
    if TreeHead.objects.exists():
        return
    ctx["tree_head"] = tree_head_sign(now=timezone.now(), system="seed_demo")
