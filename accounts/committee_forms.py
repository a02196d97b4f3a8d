"""The forms of committee membership pages (accounts.committee_views)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import CommitteeRole, WhoRegion
from dac_portal.widgets import DateInput


def _term_field() -> forms.DateField:
    return forms.DateField(
        label=_("Term ends"),
        required=False,
        widget=DateInput(),
        help_text=_("The last day of the term of office. Leave empty for an open-ended term."),
    )


class InvitationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The invitation can be accepted only by an account with this address."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=CommitteeRole.choices)
    term_ends = _term_field()


class MembershipForm(forms.Form):
    """One person's role and term (their page under the members page)."""

    role = forms.ChoiceField(label=_("Role"), choices=CommitteeRole.choices)
    term_ends = _term_field()

    def __init__(self, *args: Any, membership: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"role": membership.role, "term_ends": membership.term_ends})
        super().__init__(*args, **kwargs)


class LayVotingForm(forms.Form):
    lay_representatives_vote = forms.TypedChoiceField(
        label=_("Lay and community representatives"),
        choices=[
            ("yes", _("Vote, like members")),
            ("no", _("Advise: they comment, and do not vote")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class CommitteeProfileForm(forms.Form):
    region = forms.ChoiceField(
        label=_("Region you work in"),
        choices=[("", _("Do not publish")), *WhoRegion.choices],
        required=False,
    )
    expertise = forms.CharField(
        label=_("Expertise"),
        max_length=120,
        required=False,
        help_text=_(
            "One short line, e.g. “clinical genetics” or “patient advocacy”. Leave empty to "
            "publish none."
        ),
    )


class TrainingPolicyForm(forms.Form):
    training_required_months = forms.IntegerField(
        label=_("Training required, no older than (months)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_(
            "Leave empty to require none. When set, applicants submit, and collaborators sign, "
            "only with a data-protection or research-ethics training record this recent."
        ),
    )


class DecisionPolicyForm(forms.Form):
    """How renewals are decided and how appeals are heard (accounts.decision_policy)."""

    renewals_by_committee = forms.TypedChoiceField(
        label=_("Renewals"),
        choices=[
            ("no", _("The chair decides")),
            ("yes", _("Members vote, and the chair decides by the voting rule")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    appeal_window_days = forms.IntegerField(
        label=_("Appeal window (days)"),
        min_value=1,
        max_value=365,
        help_text=_("How long after a rejection the applicant may appeal."),
    )
    appeals_committee = forms.ChoiceField(
        label=_("Appeals heard by"),
        required=False,
        help_text=_(
            "By default, this committee's members who neither voted on nor decided the "
            "request hear its appeal."
        ),
    )

    def __init__(self, *args: Any, committee: Any, others: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "renewals_by_committee": "yes" if committee.renewals_by_committee else "no",
                "appeal_window_days": committee.appeal_window_days,
                "appeals_committee": getattr(committee.appeals_committee, "slug", ""),
            },
        )
        super().__init__(*args, **kwargs)
        field = self.fields["appeals_committee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("This committee's members who took no part")),
            *((c.slug, c.name) for c in others),
        ]
