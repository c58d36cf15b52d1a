from django import forms
from django.utils.translation import gettext_lazy as _

from forum.models import IdeaStatus
from ideas.actions import RATIONALE_MAX_LENGTH


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=IdeaStatus.choices)
    rationale = forms.CharField(
        label=_("Public rationale (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=RATIONALE_MAX_LENGTH + 1000,  # the action gives the clear message
        help_text=_(
            "Shown on the idea and in its status history, and sent to everyone who voted."
        ),
    )
