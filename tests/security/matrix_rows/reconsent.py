"""Matrix rows for the re-consent pages of a dataset: its stewards (and the superuser
admin) only; anyone else gets 404, as for every steward page of a dataset (no existence
leak). The demo has an open flag on DACD000003."""

from __future__ import annotations

from typing import Any

from tests.security.matrix import Row

DS3 = "/steward/datasets/DACD000003/reconsent/"
STEWARDS_OBJ = {"anonymous": 302, "steward1": 200, "admin": 200, "*": 404}
STEWARDS_OBJ_REDIRECT = {"anonymous": 302, "steward1": 302, "admin": 302, "*": 404}
STEWARDS_OBJ_INVALID = {"anonymous": 302, "steward1": 400, "admin": 400, "*": 404}


def _flag_pk() -> int:
    from consent.models import ReconsentFlag

    flag = ReconsentFlag.objects.filter(
        dataset__accession="DACD000003", cleared_at__isnull=True
    ).first()
    assert flag is not None, "the demo has an open re-consent flag on DACD000003"
    return int(flag.pk)


def _open_flag(demo: Any) -> str:
    return f"{DS3}{_flag_pk()}/clear/"


def _clear_body(demo: Any) -> dict[str, str]:
    # Each open flag's clear form has its own prefix, so that several fit on one page.
    return {f"clear-{_flag_pk()}-note": "Matrix: done."}


ROWS = [
    Row("consent:reconsent", "GET", DS3, STEWARDS_OBJ),
    Row(
        "consent:reconsent",
        "GET",
        "/steward/datasets/NOPE000001/reconsent/",
        {"anonymous": 302, "*": 404},
        note="unknown dataset",
    ),
    Row(
        "consent:reconsent",
        "POST",
        DS3,
        STEWARDS_OBJ_REDIRECT,
        body={"reason": "Matrix: a new consent form.", "participant_count": "3"},
        form=True,
        note="raise",
    ),
    Row(
        "consent:reconsent",
        "POST",
        DS3,
        STEWARDS_OBJ_INVALID,
        body={"reason": "", "participant_count": "0"},
        form=True,
        note="invalid",
    ),
    Row(
        "consent:reconsent-clear",
        "POST",
        _open_flag,
        STEWARDS_OBJ_REDIRECT,
        body=_clear_body,
        form=True,
        note="clear",
    ),
    Row(
        "consent:reconsent-clear",
        "POST",
        f"{DS3}999999/clear/",
        {"anonymous": 302, "*": 404},
        body={"note": "Matrix: done."},
        form=True,
        note="unknown flag",
    ),
    Row("consent:reconsent-clear", "GET", _open_flag, {"anonymous": 302, "*": 405}),
]
