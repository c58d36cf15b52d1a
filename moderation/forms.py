from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.log import REASON_MAX_LENGTH
from moderation.models import Rule


class RuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Rule) -> str:
        return str(obj)


class ModerationForm(forms.Form):
    """The rule and reason every moderator action requires."""

    rule = RuleChoiceField(
        label=_("Rule"),
        queryset=Rule.objects.filter(is_active=True),
        required=False,
        empty_label=_("Other (explain in the reason)"),
    )
    reason = forms.CharField(
        label=_("Reason (the member and the public log see it)"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
