from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from accounts.models import User

KEEP = "keep"
DELETE = "delete"


class DeleteAccountForm(forms.Form):
    """Delete my account: what happens to the posts, and the password
    (left out for accounts without one, which confirm by an emailed link)."""

    posts = forms.ChoiceField(
        label=gettext_lazy("Your posts"),
        choices=[
            (
                KEEP,
                gettext_lazy(
                    "Keep them, under an anonymous name (“former member 1234”)"
                ),
            ),
            (
                DELETE,
                gettext_lazy(
                    "Replace them with “deleted by its author” where nobody "
                    "replied to them"
                ),
            ),
        ],
        initial=KEEP,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "A post someone replied to stays, under the anonymous name, so "
            "the discussion still makes sense. Official answers you gave for "
            "a brand stay, under the brand's name."
        ),
    )
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand: my account is closed for good and cannot be restored."
        ),
    )

    def __init__(self, *args: Any, user: User, with_password: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        if not with_password:
            del self.fields["password"]

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                gettext_lazy(
                    "That is not your password. Type the password you sign in "
                    "with; nothing was deleted."
                ),
                code="password",
            )
        return password
