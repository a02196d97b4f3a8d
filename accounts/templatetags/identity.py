"""The applicant's assured identity on the committee's pages: ORCID iD as a link and the
bona fide researcher status from a current ResearcherStatus visa (docs/identity.md).

    {% load identity %}{% researcher_identity r.applicant %}
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.federation.selectors import bona_fide_visa

register = template.Library()


@register.inclusion_tag("accounts/_researcher_identity.html")
def researcher_identity(person: Any) -> dict[str, Any]:
    return {"person": person, "bona_fide": bona_fide_visa(person)}
