"""The audit actions access_requests records, with their words (audit/registry.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from access_requests.models import AppealStatus, RequestStatus
from audit.registry import reason, register, register_statuses, sentence, status_change


class RequestAudit(models.TextChoices):
    ACCESS_REQUEST_CREATED = "access_request.created", _("Request created")
    ACCESS_REQUEST_UPDATED = "access_request.updated", _("Request edited")
    ACCESS_REQUEST_SUBMITTED = "access_request.submitted", _("Request submitted")
    ACCESS_REQUEST_ENDORSED = "access_request.endorsed", _("Request endorsed")
    ACCESS_REQUEST_WITHDRAWN = "access_request.withdrawn", _("Request withdrawn")
    ACCESS_REQUEST_CHANGES_REQUESTED = (
        "access_request.changes_requested",
        _("Changes requested"),
    )
    ACCESS_REQUEST_RESUBMITTED = "access_request.resubmitted", _("Request resubmitted")
    ACCESS_REQUEST_VOTE_CAST = "access_request.vote_cast", _("Vote cast")
    ACCESS_REQUEST_RECUSED = "access_request.recused", _("Reviewer recused")
    ACCESS_REQUEST_CONFLICT_WAIVED = (
        "access_request.conflict_waived",
        _("Conflict of interest waived by the chair"),
    )
    ACCESS_REQUEST_DECIDED = "access_request.decided", _("Decision recorded")
    ACCESS_REQUEST_CLOSED = "access_request.closed", _("Request closed")
    ACCESS_REQUEST_DOCUMENT_ADDED = "access_request.document_added", _("Document added")
    ACCESS_REQUEST_NOTE_ADDED = "access_request.note_added", _("Committee note added")
    ETHICS_APPROVAL_FILED = "access_request.ethics_approval_filed", _("Ethics approval filed")
    ACCESS_REQUEST_APPEALED = "access_request.appealed", _("Rejection appealed")
    APPEAL_VOTE_CAST = "access_request.appeal_vote_cast", _("Vote cast on the appeal")
    APPEAL_DECIDED = "access_request.appeal_decided", _("Appeal decided")
    ACCESS_REQUEST_REVIEWERS_ASSIGNED = (
        "access_request.reviewers_assigned",
        _("Reviewers assigned"),
    )
    COMMITTEE_REVIEW_MODE_CHANGED = (
        "committee.review_mode_changed",
        _("Committee review mode changed"),
    )
    COMMITTEE_OUTSIDE_VOTES_CHANGED = (
        "committee.outside_votes_changed",
        _("Whether outside reviewers' votes count changed"),
    )
    OUTSIDE_REVIEWER_INVITED = "outside_reviewer.invited", _("Outside reviewer invited")
    OUTSIDE_REVIEWER_ACCEPTED = (
        "outside_reviewer.accepted",
        _("Outside reviewer accepted the invitation"),
    )
    OUTSIDE_REVIEWER_OPINION_GIVEN = (
        "outside_reviewer.opinion_given",
        _("Outside reviewer gave an opinion"),
    )
    OUTSIDE_REVIEWER_ENDED = "outside_reviewer.ended", _("Outside reviewer's access ended")


def _votes(data: Mapping[str, Any]) -> str:
    votes = data.get("votes") or {}
    cast = ", ".join(f"{dataset}: {vote}" for dataset, vote in sorted(votes.items()))
    return sentence(cast, reason(data, "rationale"))


def _decided(data: Mapping[str, Any]) -> str:
    decisions = data.get("decisions") or {}
    each = ", ".join(
        f"{dataset}: {str(decision.get('decision', '')).replace('_', ' ')}"
        for dataset, decision in sorted(decisions.items())
    )
    # Some datasets approved, others rejected: say so, as the request page does.
    outcomes = {str(decision.get("decision")) for decision in decisions.values()}
    if {"approved", "rejected"} <= outcomes:
        each = gettext("partly approved") + " — " + each
    return sentence(each, status_change(data))


def _outside_reviewer(data: Mapping[str, Any]) -> str:
    """The kind and the request; never the address, which the log does not hold."""
    kind = str(data.get("kind") or "").replace("_", " ")
    ended = str(data.get("end_reason") or "").replace("_", " ")
    return sentence(
        gettext("%(kind)s on %(request)s") % {"kind": kind, "request": data["request"]}
        if kind and data.get("request")
        else "",
        gettext("because: %(why)s") % {"why": ended} if ended else "",
    )


def _appeal_decided(data: Mapping[str, Any]) -> str:
    outcome = str(data.get("outcome") or "")
    return sentence(outcome, reason(data, "reason"), status_change(data))


def _appeal_vote(data: Mapping[str, Any]) -> str:
    return sentence(str(data.get("vote") or ""), reason(data, "rationale"))


def _document(data: Mapping[str, Any]) -> str:
    name = data.get("filename") or data.get("name")
    return gettext("file %(name)s") % {"name": name} if name else ""


register(
    RequestAudit,
    app="access_requests",
    describers={
        RequestAudit.ACCESS_REQUEST_VOTE_CAST: _votes,
        RequestAudit.ACCESS_REQUEST_DECIDED: _decided,
        RequestAudit.ACCESS_REQUEST_DOCUMENT_ADDED: _document,
        RequestAudit.ETHICS_APPROVAL_FILED: _document,
        RequestAudit.APPEAL_VOTE_CAST: _appeal_vote,
        RequestAudit.APPEAL_DECIDED: _appeal_decided,
        RequestAudit.OUTSIDE_REVIEWER_INVITED: _outside_reviewer,
        RequestAudit.OUTSIDE_REVIEWER_ACCEPTED: _outside_reviewer,
        RequestAudit.OUTSIDE_REVIEWER_OPINION_GIVEN: _outside_reviewer,
        RequestAudit.OUTSIDE_REVIEWER_ENDED: _outside_reviewer,
    },
)
register_statuses(RequestStatus, AppealStatus)
