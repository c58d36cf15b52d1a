from django.conf import settings
from django.db import models


class ModeratorAssignment(models.Model):
    """A volunteer moderates one category (and its subcategories).

    The row alone grants nothing: permissions.policy.moderates() denies
    brand representatives and banned accounts before looking at it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="moderator_assignments",
    )
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, related_name="moderator_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="unique_moderator_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} moderates {self.category}"
