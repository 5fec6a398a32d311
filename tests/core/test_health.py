"""/healthz (SYS-6): what a monitor polls — the database and whether a job worker is alive."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketdock.core.models import WorkerHeartbeat
from marketdock.core.services import worker_heartbeat

pytestmark = pytest.mark.django_db


def _health(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    assert "no-cache" in r.get("Cache-Control", "") or "max-age=0" in r.get("Cache-Control", "")
    return r.json()


def test_without_heartbeat_the_worker_is_stale(client):
    data = _health(client)
    assert data["db"] == "ok" and data["worker"] == "stale" and data["worker_last_seen"] is None
    assert data["version"]


def test_fresh_heartbeat_is_ok(client):
    worker_heartbeat()
    data = _health(client)
    assert data["worker"] == "ok" and data["worker_last_seen"]


def test_heartbeat_three_minutes_old_is_stale(client):
    worker_heartbeat()
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(minutes=3))
    assert _health(client)["worker"] == "stale"


def test_one_live_worker_among_dead_ones_is_ok(client):
    worker_heartbeat("old-host:1")
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(hours=1))
    worker_heartbeat("new-host:2")
    assert _health(client)["worker"] == "ok"
    assert WorkerHeartbeat.objects.count() == 2


def test_heartbeat_updates_one_row_per_worker(client):
    worker_heartbeat("w:1")
    first = WorkerHeartbeat.objects.get(worker="w:1")
    worker_heartbeat("w:1")
    again = WorkerHeartbeat.objects.get(worker="w:1")
    assert again.last_seen >= first.last_seen and again.started_at == first.started_at


def test_healthz_needs_no_login_and_only_get(client):
    assert client.post("/healthz").status_code == 405


def test_periodic_heartbeat_task_writes_the_heartbeat():
    from marketdock.core.tasks import heartbeat

    heartbeat.call_local()
    assert WorkerHeartbeat.objects.exists()
