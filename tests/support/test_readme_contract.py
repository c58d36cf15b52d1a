"""README "Support desk webhooks" is what a desk is wired from: its examples
must be what Hearth sends and accepts."""

import json
import re
from pathlib import Path

import pytest

from forum import actions as forum_actions
from support.actions import outbound_payload
from support.models import Ticket
from support.signing import sign, verify

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text()
    start = text.index("### Support desk webhooks")
    return text[start : text.index("\n## ", start)]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(), re.S)


def test_the_python_example_signs_as_hearth_does():
    (code,) = _blocks("python")
    body = b'{"event_id": "e1"}'
    namespace = {
        "SECRET": "s3cret",
        "request_timestamp": "1765000000",
        "raw_body": body,
        "request_signature": sign("s3cret", "1765000000", body),
    }

    exec(code, namespace)  # noqa: S102 (the README's own example)

    assert namespace["ok"] is True
    assert namespace["signature"]("s3cret", "1765000000", body) == sign(
        "s3cret", "1765000000", body
    )
    headers = namespace["headers"]
    assert verify(
        "s3cret",
        headers["X-Hearth-Timestamp"],
        namespace["body"],
        headers["X-Hearth-Signature"],
    )


@pytest.mark.django_db
def test_the_outbound_example_has_the_payloads_shape(scene, settings):
    settings.ESCALATION_BACKEND = "none"
    forum_actions.escalate_to_support(scene["rep"], scene["topic"], note="x")
    example = json.loads(_blocks("json")[0])

    actual = outbound_payload(Ticket.objects.get())

    def shape(value):
        if isinstance(value, dict):
            return {key: shape(item) for key, item in value.items()}
        return type(value).__name__

    assert shape(example) == shape(actual)


def test_the_inbound_example_names_the_fields_hearth_reads():
    example = json.loads(_blocks("json")[1])

    assert set(example) == {"event_id", "reference", "status", "ticket_id"}
    assert example["status"] in {"open", "waiting_on_customer", "resolved"}
