"""/healthz, /readyz, /metrics and the request id in responses and JSON logs."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.test import Client
from django.utils import timezone

from tongban.core import jobs
from tongban.core.context import RequestContext, bound
from tongban.federation.constants import OutboxStatus
from tongban.federation.models import OutboxMessage
from tongban.federation.tests.factories import PeerFactory
from tongban.ops import engine
from tongban.ops.observability import JsonFormatter

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_the_database(client: Client, django_assert_num_queries: object) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_each_check_and_is_degraded_without_workers(client: Client) -> None:
    # given no job has run yet (no worker) and a peer with an old undelivered message
    PeerFactory(region_code="110000")
    OutboxMessage.objects.create(
        recipient_region="110000",
        type="federation.ping",
        payload={},
        created_at=timezone.now() - dt.timedelta(hours=2),
        next_attempt_at=timezone.now(),
        status=OutboxStatus.PENDING,
    )
    # when readiness is asked
    response = client.get("/readyz")
    # then the node can serve (database and disk fine) but is degraded: no worker, a peer lagging
    body = response.json()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] and body["checks"]["disk"]["ok"]
    assert body["checks"]["queue"]["ok"] is False and body["checks"]["queue"]["last_finished_seconds_ago"] is None
    lag = body["checks"]["peers"]["peers"]["110000"]
    assert lag["pending"] == 1 and lag["lag_seconds"] > 7000 and lag["ok"] is False
    # when a worker has just finished a job and the message was delivered
    engine.execute(str(jobs.enqueue("ops.ping")))
    OutboxMessage.objects.update(status=OutboxStatus.DELIVERED)
    # then it is ready
    body = client.get("/readyz").json()
    assert body["status"] == "ready" and body["checks"]["peers"]["peers"]["110000"]["pending"] == 0


def test_readyz_is_503_when_the_disk_has_less_room_than_required(client: Client, settings: object) -> None:
    # given thresholds no disk meets
    settings.TONGBAN_READY_MIN_FREE_BYTES = 1 << 62  # type: ignore[attr-defined]
    settings.TONGBAN_READY_MIN_FREE_RATIO = 1.01  # type: ignore[attr-defined]
    # then the node is not ready
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unready"
    assert response.json()["checks"]["disk"]["ok"] is False


def test_metrics_count_requests_and_report_queue_outbox_and_deadlines(client: Client) -> None:
    PeerFactory(region_code="130000")
    jobs.enqueue("ops.ping")
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    assert 'tongban_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "tongban_http_request_duration_seconds_bucket" in text
    assert 'tongban_jobs{status="queued"} 1.0' in text
    assert "tongban_job_queue_depth 1.0" in text
    assert 'tongban_outbox_lag_seconds{peer="130000"} 0.0' in text
    assert 'tongban_deadlines_at_risk{kind="cases_overdue"} 0.0' in text
    assert 'tongban_deadlines_at_risk{kind="tickets_overdue"} 0.0' in text


def test_metrics_need_the_token_when_one_is_set(client: Client, settings: object) -> None:
    settings.TONGBAN_METRICS_TOKEN = "s3cret"  # type: ignore[attr-defined]
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_the_request_id_is_kept_or_made_and_answered(client: Client) -> None:
    given = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert given["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces <script>")
    assert made["X-Request-ID"] != "bad id with spaces <script>" and len(made["X-Request-ID"]) == 32


def test_json_log_lines_carry_the_request_id_and_extras() -> None:
    record = logging.LogRecord("tongban.test", logging.INFO, __file__, 1, "hello %s", ("世界",), None)
    record.job = "cases.tick"
    with bound(RequestContext(source="job", request_id="req-42")):
        line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello 世界" and line["request_id"] == "req-42" and line["job"] == "cases.tick"
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
