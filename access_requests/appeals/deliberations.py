"""Who reads an appeal's deliberations (the panel's votes, reasons and tally): the
committees, the request's and the hearing one, and administrators; never the applicant,
who reads the statement, the outcome and the panel's reasons. Pages and REST ask this."""

from __future__ import annotations

from typing import Any

from access_requests.models import AccessRequest, Appeal
from access_requests.rules import is_committee_viewer
from accounts.permissions import is_admin
from accounts.roles import roles_of


def sees_deliberations(user: Any, access_request: AccessRequest, appeal: Appeal) -> bool:
    if is_committee_viewer(user, access_request) or is_admin(user):
        return True
    return appeal.hearing_committee_id in roles_of(user).committees
