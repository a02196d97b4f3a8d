"""The application as a person reads it — purpose answers in words, commitments in words —
shared by the request page and the committee's review page, so that members vote on
exactly what the applicant sees they sent (issue 14: the whole application on the review
page)."""

from __future__ import annotations

from typing import Any

from access_requests.forms import PURPOSE_QUESTIONS
from access_requests.models import ATTESTATIONS, AccessRequest


def application_context(access_request: AccessRequest) -> dict[str, Any]:
    purpose = access_request.purpose or {}
    return {
        "purpose_items": [
            (question, purpose.get(key, False)) for key, question in PURPOSE_QUESTIONS.items()
        ],
        "attestation_items": [
            (ATTESTATIONS[key], given) for key, given in access_request.attestations().items()
        ],
    }
