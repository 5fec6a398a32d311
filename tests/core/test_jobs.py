"""Background jobs (SYS-6): a job really runs through the Huey consumer (SQLite queue by default,
Redis when `make test` reruns this file with REDIS_URL) and its JobRun shows the seller what
happened; the 작업 현황 screens list, filter and follow runs of the own company only."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import transaction
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from marketdock.core.jobs import job, run_consumer_in_thread, stop_consumer
from marketdock.core.models import JobRun
from tests.factories.core import make_user
from tests.isolation import assert_isolated

# Registered with HUEY at import time, before any consumer starts (like an app's tasks.py).


@job(kind="tests.count_rows")
def count_rows(ctx, *, rows: int, bad: int = 0) -> dict:
    ctx.log(f"{rows}행 검사 시작")
    for i in range(rows):
        ok = i >= bad
        ctx.progress(i + 1, rows, ok=(i + 1 - bad) if ok else 0, failed=min(i + 1, bad))
    ctx.log("검사 끝")
    return {"rows": rows, "thread": threading.current_thread().name, "company": ctx.company.code,
            "user": ctx.user.username}


@job(kind="tests.broken_file")
def broken_file(ctx, *, name: str) -> dict:
    ctx.progress(1, 4)
    ctx.log(f"{name} 읽는 중")
    raise ValueError(f"{name} 3행: 수량이 음수입니다 (-2)")


def _wait_finished(run: JobRun, seconds: float = 60) -> JobRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            return run
        time.sleep(0.1)
    raise AssertionError(f"job {run.pk} still {run.status} after {seconds}s: is the consumer running?")


@pytest.fixture
def consumer():
    """A real Huey consumer (threads) on the configured queue, not immediate mode."""
    HUEY.immediate = False
    HUEY.flush()  # leftovers of an earlier run must not be executed against this test database
    c = run_consumer_in_thread(workers=2)
    yield c
    stop_consumer(c)
    HUEY.flush()
    HUEY.immediate = True


@pytest.mark.django_db(transaction=True)
class TestConsumer:
    def test_job_goes_queued_to_succeeded_with_progress_counts_and_log(self, consumer, company, admin_user):
        with transaction.atomic():
            run = count_rows.start(company=company, user=admin_user, title="행 세기", rows=20, bad=3)
            # enqueued only when the transaction commits
            assert JobRun.objects.get(pk=run.pk).status == JobRun.Status.QUEUED
            assert HUEY.pending_count() == 0
        run = _wait_finished(run)
        assert run.status == JobRun.Status.SUCCEEDED, run.error
        assert run.progress == 100
        assert run.counts == {"ok": 17, "failed": 3}
        assert [line.split(" ", 1)[1] for line in run.log] == ["20행 검사 시작", "검사 끝"]
        assert run.result["rows"] == 20
        assert run.result["company"] == company.code and run.result["user"] == admin_user.username
        assert run.result["thread"] != threading.current_thread().name  # ran in the consumer, not inline
        assert run.started_at and run.finished_at and run.finished_at >= run.started_at
        assert run.task_id and run.params == {"rows": 20, "bad": 3}

    def test_failing_job_records_failed_and_the_error(self, consumer, company, admin_user):
        run = broken_file.start(company=company, user=admin_user, title="재고 파일", name="stock.xlsx")
        run = _wait_finished(run)
        assert run.status == JobRun.Status.FAILED
        assert "stock.xlsx 3행: 수량이 음수입니다 (-2)" in run.error
        assert run.progress == 25 and run.finished_at is not None
        assert any("stock.xlsx 읽는 중" in line for line in run.log)

    def test_several_jobs_at_once(self, consumer, company, admin_user):
        runs = [count_rows.start(company=company, user=admin_user, title=f"행 세기 {i}", rows=5) for i in range(6)]
        for run in runs:
            assert _wait_finished(run).status == JobRun.Status.SUCCEEDED

    def test_a_cancelled_run_is_not_executed(self, consumer, company, admin_user):
        with transaction.atomic():
            run = count_rows.start(company=company, user=admin_user, title="취소될 작업", rows=3)
            JobRun.objects.filter(pk=run.pk).update(status=JobRun.Status.CANCELLED)
        probe = count_rows.start(company=company, user=admin_user, title="뒤따르는 작업", rows=1)
        _wait_finished(probe)  # the consumer has passed the cancelled one by now (FIFO, 2 workers)
        time.sleep(0.5)
        run.refresh_from_db()
        assert run.status == JobRun.Status.CANCELLED and run.started_at is None and run.log == []


# --- 작업 현황 screens (run in immediate mode; the consumer is not needed) ---------------------


def _run(company, title, status=JobRun.Status.SUCCEEDED, kind="catalog.excel_import", **extra):
    return JobRun.objects.create(company=company, title=title, status=status, kind=kind, **extra)


@pytest.mark.django_db
class TestJobScreens:
    def test_immediate_mode_runs_inline_on_commit(self, company, admin_user, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            run = count_rows.start(company=company, user=admin_user, title="즉시", rows=2)
            assert JobRun.objects.get(pk=run.pk).status == JobRun.Status.QUEUED
        run.refresh_from_db()
        assert run.status == JobRun.Status.SUCCEEDED and run.progress == 100

    def test_list_and_filters(self, viewer_client, company, other_company):
        _run(company, "상품 엑셀등록 A")
        _run(company, "주문 수집 B", status=JobRun.Status.FAILED, kind="orders.collect", error="쿠팡 인증 실패")
        _run(company, "재고 동기화 C", status=JobRun.Status.RUNNING, kind="channels.sync")
        _run(other_company, "남의 작업 D")
        url = reverse("core:job_list")
        body = viewer_client.get(url).content.decode()
        assert all(t in body for t in ("상품 엑셀등록 A", "주문 수집 B", "재고 동기화 C", "쿠팡 인증 실패"))
        assert "남의 작업 D" not in body

        body = viewer_client.get(url, {"status": "failed"}).content.decode()
        assert "주문 수집 B" in body and "상품 엑셀등록 A" not in body
        body = viewer_client.get(url, {"status": "running"}).content.decode()
        assert "재고 동기화 C" in body and "주문 수집 B" not in body
        body = viewer_client.get(url, {"kind": "catalog.excel_import"}).content.decode()
        assert "상품 엑셀등록 A" in body and "재고 동기화 C" not in body
        # an unknown filter value is ignored, not a 500
        assert viewer_client.get(url, {"status": "<script>", "page": "x"}).status_code == 200

    def test_detail_and_htmx_progress_partial(self, viewer_client, company):
        run = _run(company, "상품 엑셀등록", status=JobRun.Status.RUNNING, progress=40, counts={"applied": 8},
                   log=["10:00:00 8행 반영"])
        url = reverse("core:job_detail", args=[run.pk])
        page = viewer_client.get(url).content.decode()
        assert "<html" in page and "상품 엑셀등록" in page and "8행 반영" in page
        partial = viewer_client.get(url, HTTP_HX_REQUEST="true")
        body = partial.content.decode()
        assert "<html" not in body and 'data-status="running"' in body and "40%" in body
        assert 'hx-trigger="every 1s"' in body  # keeps polling while running

        JobRun.objects.filter(pk=run.pk).update(status=JobRun.Status.SUCCEEDED, progress=100)
        body = viewer_client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert 'data-status="succeeded"' in body and "hx-trigger" not in body  # stops polling when done

    def test_user_without_the_screen_is_refused(self, company):
        from django.test import Client

        from marketdock.core.models import Role

        role = Role.objects.create(company=company, name="주문만")
        user = make_user(company, "orders_only", "viewer")
        user.role = role
        user.save()
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        assert client.get(reverse("core:job_list")).status_code == 403

    def test_isolation(self, other_client, company):
        run = _run(company, "비밀 매입 단가 반영", error="매입처 키 abc-secret", status=JobRun.Status.FAILED)
        assert_isolated(other_client, [reverse("core:job_detail", args=[run.pk])],
                        secrets=("비밀 매입 단가 반영", "abc-secret"))
        # nor through the htmx partial
        r = other_client.get(reverse("core:job_detail", args=[run.pk]), HTTP_HX_REQUEST="true")
        assert r.status_code == 404 and "비밀 매입 단가 반영" not in r.content.decode()
