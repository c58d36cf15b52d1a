"""The development console email backend: a short summary per email.

`make run` prints emails in its terminal (EMAIL_BACKEND=console). Whole
multipart messages (headers, quoted-printable text, the HTML part) buried the
one thing a newcomer looks for, the verification link; this backend prints
who the email is for, its subject and its links. EMAIL_BACKEND=console-full
prints whole messages as Django's console backend does.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

LINK = re.compile(r"https?://[^\s<>\"')\]]+")
MAX_LINKS = 5


def summary(message: EmailMessage) -> str:
    """Recipient, subject and the links of the message's text part."""
    text = message.body if isinstance(message.body, str) else ""
    if not text and isinstance(message, EmailMultiAlternatives):
        text = next(
            (str(body) for body, kind in message.alternatives if kind == "text/html"),
            "",
        )
    links = list(dict.fromkeys(LINK.findall(text)))
    lines = [
        f"── Email to {', '.join(message.to)} " + "─" * 20,
        f"   Subject: {message.subject}",
    ]
    if links:
        lines.append("   Links:")
        lines.extend(f"     {link}" for link in links[:MAX_LINKS])
        if len(links) > MAX_LINKS:
            lines.append(f"     … and {len(links) - MAX_LINKS} more")
    lines.append("   (EMAIL_BACKEND=console-full prints whole emails)")
    return "\n".join(lines) + "\n"


class SummaryConsoleBackend(ConsoleBackend):
    def write_message(self, message: Any) -> None:
        self.stream.write(summary(message))
