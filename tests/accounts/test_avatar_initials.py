"""Initials on generated avatars come from letters and digits, in any script."""

import pytest

from accounts.avatars import initials
from accounts.models import User


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ines (admin)", "I"),  # regression: was "I("
        ("Ines Moreau (admin)", "IM"),
        ("Tom [Brevetto]", "T"),
        ("Teodor Lind", "TL"),
        ("teodor lind", "TL"),
        ("Jean-Luc Picard", "JP"),
        ("“Mike” O'Brien", "MO"),
        ("-- Zoë --", "Z"),
        ("@ana.silva", "A"),
        ("Émile Zola", "ÉZ"),
        ("E\u0301mile", "É"),  # decomposed accent: one letter, composed
        ("Ólafur Þór Arnalds", "ÓÞ"),
        ("Σωκράτης Παππάς", "ΣΠ"),
        ("Юлия Смирнова", "ЮС"),
        ("王小明", "王"),
        ("straße", "S"),
        ("ßeta", "ß"),  # "ß".upper() is two letters: keep the one
        ("R2 D2", "RD"),
        ("42", "4"),
        ("🔥 Kai 🔥", "K"),
        ("Anna Maria Schmidt", "AM"),
    ],
)
def test_initials_from_letters_and_digits(name, expected):
    assert initials(name, "fallback") == expected


@pytest.mark.parametrize(
    ("name", "username", "expected"),
    [
        ("(admin)", "ines", "I"),
        ("!!! ???", "_bob", "B"),
        ("🔥🔥", "🔥", "?"),
        ("", "", "?"),
    ],
)
def test_initials_fall_back_to_the_username_then_a_mark(name, username, expected):
    assert initials(name, username) == expected


def test_user_initials_use_the_display_name_then_the_username():
    assert User(username="ines", display_name="Ines (admin)").initials == "I"
    assert User(username="ines.m", display_name="").initials == "I"
    assert User(username="___", display_name="").initials == "?"


@pytest.mark.django_db
def test_generated_avatar_shows_the_letters(client):
    user = User.objects.create_user(
        "ines", "ines@example.com", "pw-123456789", display_name="Ines (admin)"
    )

    response = client.get(user.get_absolute_url())

    assert b'font-weight="600" fill="#fff">I</text>' in response.content
    assert b"I(" not in response.content
