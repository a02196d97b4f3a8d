import copy
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from accounts.permissions import is_admin


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “pipeline on cluster X”."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )
    read_only = forms.BooleanField(
        label=_("Read-only"),
        required=False,
        help_text=_("The token may read but never change anything (recommended for scripts)."),
    )


class OneTimeCodeForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        min_length=6,
        max_length=8,
        help_text=_("The code your authenticator app shows now."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ReauthenticationForm(forms.Form):
    """The password again (and the one-time code, for someone enrolled) before an act that
    matters: see accounts.sessions."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, with_code: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if with_code:
            self.fields["token"] = copy.deepcopy(OneTimeCodeForm.base_fields["token"])


class PortalAuthenticationForm(AuthenticationForm):
    """The password sign-in. With LOCAL_LOGIN_ENABLED off, only administrators may still
    use a password (to repair the identity provider settings if they break); everyone else
    is told to use their identity provider. The password is checked first, so the answer
    says nothing about an account to someone who does not know its password."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not settings.LOCAL_LOGIN_ENABLED and not (user.is_superuser or is_admin(user)):
            raise forms.ValidationError(
                _("Sign in with your identity provider: passwords are switched off here."),
                code="local_login_disabled",
            )


class InstitutionDomainForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.order_by("name")
    )
