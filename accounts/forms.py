from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import actions
from accounts.avatars import process_avatar

if TYPE_CHECKING:
    from accounts.models import User


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in value)


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=gettext_lazy("Display name"),
        max_length=60,
        required=False,
        help_text=gettext_lazy(
            "Shown next to your posts. Leave empty to use your username."
        ),
    )
    bio = forms.CharField(
        label=gettext_lazy("About you"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    avatar = forms.ImageField(
        label=gettext_lazy("Avatar"),
        required=False,
        help_text=gettext_lazy(
            "JPEG, PNG, GIF or WebP, up to 5 MB. It is cropped to a square."
        ),
    )
    remove_avatar = forms.BooleanField(
        label=gettext_lazy("Remove my avatar and use the generated one"),
        required=False,
    )

    def clean_display_name(self) -> str:
        value = self.cleaned_data["display_name"].strip()
        if _has_control_characters(value):
            raise forms.ValidationError(
                _("The display name contains invisible characters.")
            )
        return value

    def clean_avatar(self) -> ContentFile | None:
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return process_avatar(upload)


class HoneypotField(forms.CharField):
    """A field people never see (hidden by CSS, skipped by keyboard) and bots
    fill in. Anything typed there rejects the form."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=gettext_lazy("Leave this field empty"),
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
            **kwargs,
        )


class HoneypotSignupForm(forms.Form):
    """Mixed into allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    website = HoneypotField()

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Your sign-up could not be accepted."))
        return ""

    def signup(self, request: HttpRequest, user: User) -> None:
        """allauth saved the account: greet the newcomer on their first visit,
        and record the invitation it came through, if any (the email address
        is still verified as for everyone)."""
        actions.start_welcome(user)
        code = request.session.pop(actions.INVITATION_SESSION_KEY, None)
        if not code:
            return
        try:
            actions.accept_invitation(user, code)
        except ValidationError as exc:
            messages.warning(request, " ".join(str(m) for m in exc.messages))
