from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from api.actions import NAME_MAX_LENGTH


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("What will use it, so you know which to revoke later."),
    )
