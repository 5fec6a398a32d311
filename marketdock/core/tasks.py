"""Platform periodic tasks: the worker heartbeat /healthz reads."""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from .services import worker_heartbeat


@db_periodic_task(crontab(minute="*"), name="core.heartbeat")
def heartbeat() -> None:
    worker_heartbeat()


@HUEY.on_startup()
def _heartbeat_on_startup() -> None:
    from django.db import close_old_connections

    try:
        worker_heartbeat()
    finally:
        close_old_connections()


@HUEY.on_shutdown()
def _close_db_on_shutdown() -> None:
    """Each worker thread closes its database connections when the consumer stops (a PostgreSQL
    database can then be dropped or migrated without lingering sessions)."""
    from django.db import connections

    connections.close_all()
