"""Sign-in with an existing identity (issue 23): allauth's social accounts,
linked to a Hearth account by email only when both sides verified it."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.contrib.auth.models import AbstractUser


class HearthSocialAccountAdapter(DefaultSocialAccountAdapter):
    def authenticate_by_email(
        self, sociallogin: SocialLogin
    ) -> tuple[AbstractUser, str] | None:
        """Link to an existing account only through an address the provider
        verified AND the account verified here; otherwise nothing is linked
        (the person signs up, and confirms their address, as anyone does)."""
        found = super().authenticate_by_email(sociallogin)
        if found is None:
            return None
        user, email = found
        if EmailAddress.objects.filter(
            user=user, email__iexact=email, verified=True
        ).exists():
            return found
        return None
