"""The poll part of the new-topic form, and the poll edit form.

Plain fields (options in a textarea, one per line), so the form works
without JavaScript; validation is polls.actions.clean_poll, whose errors
land on the field they are about, the author's text kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from polls.actions import PollSpec, clean_poll, parse_options
from polls.models import MAX_OPTIONS, Poll

ERROR_FIELDS = {
    "poll_question": "question",
    "poll_options": "options",
    "poll_kind": "kind",
    "poll_max_choices": "max_choices",
    "poll_closes_at": "closes_at",
    "poll_show_results": "show_results",
}


class PollFieldsForm(forms.Form):
    question = forms.CharField(label=_("Question"), required=False, strip=True)
    options = forms.CharField(
        label=_("Options, one per line"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("From 2 to %(max)d options.") % {"max": MAX_OPTIONS},
    )
    kind = forms.ChoiceField(
        label=_("Voters choose"),
        choices=Poll.Kind.choices,
        initial=Poll.Kind.SINGLE,
        widget=forms.RadioSelect,
        required=False,
    )
    max_choices = forms.IntegerField(
        label=_("At most this many choices (several choices only, optional)"),
        required=False,
        min_value=1,
        max_value=MAX_OPTIONS,
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at (optional)"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        help_text=_("Leave empty to keep the poll open until it is closed by hand."),
    )
    show_results = forms.ChoiceField(
        label=_("Show the results"),
        choices=Poll.ShowResults.choices,
        initial=Poll.ShowResults.AFTER_VOTE,
        widget=forms.RadioSelect,
        required=False,
    )

    def wants_poll(self) -> bool:
        return True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.wants_poll() or self.errors:
            return data
        try:
            data["spec"] = clean_poll(
                question=data.get("question") or "",
                options=parse_options(data.get("options") or ""),
                kind=data.get("kind") or Poll.Kind.SINGLE,
                max_choices=data.get("max_choices"),
                closes_at=data.get("closes_at"),
                show_results=data.get("show_results") or Poll.ShowResults.AFTER_VOTE,
            )
        except ValidationError as exc:
            add_poll_errors(self, exc)
        return data

    @property
    def spec(self) -> PollSpec:
        spec: PollSpec = self.cleaned_data["spec"]
        return spec

    @classmethod
    def initial_for(cls, poll: Poll, options: list[str]) -> dict[str, Any]:
        return {
            "question": poll.question,
            "options": "\n".join(options),
            "kind": poll.kind,
            "max_choices": poll.max_choices,
            "closes_at": poll.closes_at,
            "show_results": poll.show_results,
        }


class NewTopicPollForm(PollFieldsForm):
    """The poll block of the new-topic form (prefix "poll"): ignored unless
    "Add a poll" is ticked."""

    add_poll = forms.BooleanField(label=_("Add a poll to this topic"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "poll")
        super().__init__(*args, **kwargs)

    def wants_poll(self) -> bool:
        return bool(self.cleaned_data.get("add_poll"))


def add_poll_errors(form: forms.Form, exc: ValidationError) -> list[ValidationError]:
    """Attach the poll errors in *exc* to *form*'s fields; return the others."""
    others = []
    for error in exc.error_list:
        field = ERROR_FIELDS.get(error.code or "")
        if field is None or field not in form.fields:
            if (error.code or "").startswith("poll_"):
                form.add_error(None, error)
            else:
                others.append(error)
        else:
            form.add_error(field, error)
    return others
