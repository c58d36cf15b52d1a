from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import HoneypotField
from forum.actions import TITLE_MAX_LENGTH

BODY_WIDGET = forms.Textarea(
    attrs={"rows": 10, "class": "composer-input", "data-composer": "body"}
)


class HoneypotMixin(forms.Form):
    website = HoneypotField()

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError(_("Your post could not be accepted."))
        return ""


class TopicForm(HoneypotMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX_LENGTH + 50, strip=True
    )
    body = forms.CharField(label=_("Your post"), widget=BODY_WIDGET, strip=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Up to four existing tags, separated by commas."),
    )

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data["tags"]
        return [name.strip() for name in raw.split(",") if name.strip()]


class ReplyForm(HoneypotMixin, forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=BODY_WIDGET, strip=False)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    official = forms.BooleanField(
        label=_(
            "Post as an official answer (labeled; the asker still decides what is accepted)"
        ),
        required=False,
    )


class AskBrandForm(forms.Form):
    brand = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("What would you like the brand to answer? (optional)"),
        max_length=300,
        required=False,
    )


class EscalateForm(forms.Form):
    brand = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note for support (shown to the member, optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EditPostForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX_LENGTH + 50, required=False, strip=True
    )
    body = forms.CharField(label=_("Post"), widget=BODY_WIDGET, strip=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), max_length=200, required=False)
    category = forms.SlugField(required=False)
    author = forms.CharField(max_length=150, required=False)
    tag = forms.SlugField(required=False)
    solved = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), ("yes", _("Solved")), ("no", _("Unsolved"))],
    )


def add_action_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach an action's ValidationError to the field it is about."""
    fields = {
        "title": "title",
        "tags": "tags",
        "body": "body",
        "mentions": "body",
        "limits": "body",
    }
    for error in exc.error_list:
        field = fields.get(error.code or "")
        if field not in form.fields:
            field = None
        form.add_error(field, error)
