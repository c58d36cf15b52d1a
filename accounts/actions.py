"""State changes for accounts. Views, the admin and commands call these."""

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User


def update_profile(
    actor: User,
    user: User,
    *,
    display_name: str,
    bio: str,
    avatar: ContentFile | None = None,
    remove_avatar: bool = False,
) -> User:
    """Change *user*'s public profile. Only the person themself may do it.

    A new avatar replaces the old file; removing one falls back to the
    generated initials avatar.
    """
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can only edit your own profile."))

    old_avatar_name = user.avatar.name if user.avatar else ""
    with transaction.atomic():
        user.display_name = display_name
        user.bio = bio
        fields = ["display_name", "bio"]
        if avatar is not None:
            user.avatar.save(avatar.name, avatar, save=False)
            fields.append("avatar")
        elif remove_avatar and old_avatar_name:
            user.avatar = ""
            fields.append("avatar")
        user.save(update_fields=fields)

    if "avatar" in fields and old_avatar_name:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar_name))
    return user
