from typing import Any

from celery import shared_task
from django.conf import settings

from forum.actions import show_image_copies
from images import actions


# Database and broker errors are retried with backoff by HearthTask
# (config/celery.py), like every task.
@shared_task(name="images.localize_post_images", bind=True)
def localize_post_images(self: Any, post_id: int) -> None:
    """Copy a post's images from other sites and show the copies.

    Idempotent: an image is fetched once (a claim on its row), stored once
    (by content), and the post is re-rendered only when that changes it.
    """
    done = actions.localize_post_images(post_id)
    show_image_copies(post_id)
    if done:
        return
    # Another worker is fetching one of the images: look again once it is done.
    if not self.request.is_eager:
        raise self.retry(countdown=3 * settings.IMAGES_FETCH_TIMEOUT, max_retries=5)
