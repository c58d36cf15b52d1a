"""Every registered Celery task survives a database or broker outage: it
is acknowledged late and retries those errors with bounded, jittered
exponential backoff instead of being dropped (config.celery.HearthTask).

Walks the tasks the worker would register, so a task added later without
the policy (or with an autoretry_for that forgets the database) fails here.
"""

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.celery import HearthTask, app

OUTAGE_ERRORS = [
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionResetError,
    TimeoutError,
]


def _hearth_tasks():
    app.loader.import_default_modules()  # what `celery -A config worker` loads
    return sorted(
        (task for name, task in app.tasks.items() if not name.startswith("celery.")),
        key=lambda task: task.name,
    )


def test_the_worker_registers_the_known_tasks():
    names = {task.name for task in _hearth_tasks()}

    assert {
        "accounts.recompute_trust_levels",
        "notifications.dispatch_event",
        "notifications.send_digests",
        "notifications.send_notification_email",
        "notifications.send_notification_emails",
        "notifications.sweep_undispatched_events",
    } <= names


@pytest.mark.parametrize("task", _hearth_tasks(), ids=lambda task: task.name)
def test_every_task_retries_database_and_broker_errors_with_backoff(task):
    assert isinstance(task, HearthTask)
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    # autoretry wraps run(); these are the options the wrapper reads.
    assert hasattr(task, "_orig_run"), "no autoretry wrapper"
    for error in OUTAGE_ERRORS:
        assert issubclass(error, tuple(task.autoretry_for)), error
    assert task.retry_backoff
    assert task.retry_jitter is True
    assert 1 <= task.max_retries <= 20
    # A countdown must end before the broker would redeliver the waiting message.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert task.retry_backoff_max < visibility
