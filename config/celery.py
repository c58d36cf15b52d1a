import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

# A database or broker that is down or restarting: worth another try later,
# never a reason to drop a task. (The builtin ConnectionError and
# TimeoutError cover sockets that were reset or timed out.)
INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


class HearthTask(DjangoTask):
    """Every Hearth task: acknowledged after it ran, and retried with
    bounded, jittered exponential backoff when the database or the broker
    fails under it. A task that lists its own autoretry_for must include
    INFRASTRUCTURE_ERRORS (tests/config/test_task_retries.py walks them all).

    Tasks are idempotent (they take ids and re-check state), so a message
    redelivered after the worker process died is safe: reject_on_worker_lost
    puts it back on the queue instead of dropping it.
    """

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = INFRASTRUCTURE_ERRORS
    retry_backoff = 2  # 2, 4, 8 ... seconds, each drawn at random below that
    # Below the broker's visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS):
    # a countdown longer than it would be redelivered while still waiting.
    retry_backoff_max = 300
    retry_jitter = True
    # About 20 minutes of retries in all; what is still owed after that is
    # in the database and the beat sweep picks it up.
    max_retries = 10


# DjangoTask (Celery >= 5.4) adds delay_on_commit().
app = Celery("config", task_cls=HearthTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
