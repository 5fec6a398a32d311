"""Platform periodic tasks: the worker heartbeat /healthz reads."""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

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


@db_task(retries=0, name="core.account_locked_notice")
def account_locked_notice(user_id: int) -> None:
    from .services_auth import account_locked_notice_send

    account_locked_notice_send(user_id)


@db_task(retries=0, name="core.password_reset_code")
def password_reset_code(*, username: str, contact: str, ip: str | None) -> None:
    from .services_auth import password_reset_code_send

    password_reset_code_send(username=username, contact=contact, ip=ip)
