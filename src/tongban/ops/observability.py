"""What operators watch: ``/healthz``, ``/readyz``, ``/metrics``, JSON logs carrying the request id.

* ``/healthz`` (liveness): the process answers; touches nothing else.
* ``/readyz`` (readiness, JSON): the database answers, the files folder has room (both required: 503
  otherwise), the job queue (broker reachable, the last finished job recent enough) and the peers (the
  oldest undelivered message to each) are reported and only warn: a peer being down must not take
  this node out of its load balancer.
* ``/metrics`` (Prometheus text format): HTTP requests and latencies by route, jobs by status, the
  broker's queue depth, outbox lag per peer, deadlines at risk. With several server processes set
  ``PROMETHEUS_MULTIPROC_DIR`` (an empty folder per node) so that every process's counts are summed.
* ``RequestIdMiddleware`` (outermost): takes the caller's ``X-Request-ID`` or makes one, times the
  request, counts it, answers the id in ``X-Request-ID``; ``JsonFormatter`` writes one JSON object per
  log line with the request id of the request (or job, or federation message) being handled.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from tongban.core.context import current, request_context

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
REQUESTS = Counter("tongban_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=None)
LATENCY = Histogram(
    "tongban_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + str(match.route or match.view_name or "unmatched").lstrip("^")


class RequestIdMiddleware:
    """Outermost: the request id (the caller's ``X-Request-ID`` if well-formed, else a new one) and the
    request's metrics; ``RequestContextMiddleware`` binds the id for audit events and logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = str(request.META.get("HTTP_X_REQUEST_ID", ""))
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        request.META["HTTP_X_REQUEST_ID"] = request_id
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route(request)
        LATENCY.labels(request.method or "", route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method or "", route, str(response.status_code)).inc()
        response["X-Request-ID"] = request_id
        return response


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        ctx = request_context()
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if ctx is not None and ctx.request_id:
            entry["request_id"] = ctx.request_id
            entry["source"] = ctx.source
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# ------------------------------------------------------------------ health and readiness


def _check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 2)}


def _check_disk() -> dict[str, Any]:
    folder = settings.TONGBAN_FILES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    usage = shutil.disk_usage(folder)
    free_ratio = usage.free / usage.total if usage.total else 0.0
    need = int(getattr(settings, "TONGBAN_READY_MIN_FREE_BYTES", 1 << 30))
    need_ratio = float(getattr(settings, "TONGBAN_READY_MIN_FREE_RATIO", 0.05))
    return {
        "ok": usage.free >= need or free_ratio >= need_ratio,
        "path": str(folder),
        "free_bytes": usage.free,
        "free_ratio": round(free_ratio, 4),
    }


def _check_queue() -> dict[str, Any]:
    from tongban.ops import selectors

    try:
        depth = selectors.queue_depth()
        counts = selectors.job_counts(since=timezone.now() - dt.timedelta(days=1))
        last = selectors.last_finished_at()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    quiet = int(getattr(settings, "TONGBAN_READY_JOBS_QUIET_SECONDS", 300))
    age = None if last is None else (timezone.now() - last).total_seconds()
    return {
        # the outbox delivery runs every minute: no finished job for minutes means no worker
        "ok": age is not None and age <= quiet,
        "depth": depth,
        "last_finished_seconds_ago": None if age is None else round(age, 1),
        "jobs_last_day": counts.as_dict(),
    }


def _check_peers() -> dict[str, Any]:
    lags = outbox_lag_by_peer()
    allowed = float(getattr(settings, "TONGBAN_READY_OUTBOX_LAG_SECONDS", 600))
    peers = {
        region: {"pending": n, "lag_seconds": round(lag, 1), "ok": lag <= allowed} for region, (n, lag) in lags.items()
    }
    return {"ok": all(p["ok"] for p in peers.values()), "peers": peers}


def outbox_lag_by_peer() -> dict[str, tuple[int, float]]:
    """Per active peer: pending messages and the age in seconds of the oldest (0 when none)."""
    from tongban.federation.constants import OutboxStatus, PeerStatus
    from tongban.federation.models import OutboxMessage, Peer

    now = timezone.now()
    result = {p: (0, 0.0) for p in Peer.objects.filter(status=PeerStatus.ACTIVE).values_list("region_code", flat=True)}
    pending = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        .order_by()
        .values("recipient_region")
        .annotate(n=Count("id"), oldest=Min("created_at"))
    )
    for row in pending:
        result[row["recipient_region"]] = (int(row["n"]), (now - row["oldest"]).total_seconds())
    return result


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "disk": _check_disk()}
    if checks["database"]["ok"]:
        checks["queue"] = _check_queue()
        checks["peers"] = _check_peers()
    ready = checks["database"]["ok"] and checks["disk"]["ok"]
    status = "ready" if ready and all(c["ok"] for c in checks.values()) else ("degraded" if ready else "unready")
    return JsonResponse(
        {"status": status, "region": settings.TONGBAN_REGION, "request_id": current().request_id, "checks": checks},
        status=200 if ready else 503,
        json_dumps_params={"ensure_ascii": False},
    )


# ------------------------------------------------------------------ metrics


class StateCollector(Collector):
    """Gauges read from the database at each scrape: jobs, queue depth, outbox lag, deadlines at risk."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from tongban.cases.selectors import deadlines_at_risk
        from tongban.hotline.selectors import tickets_at_risk
        from tongban.ops import selectors

        jobs = GaugeMetricFamily("tongban_jobs", "Job runs by status (last 24 hours)", labels=["status"])
        for status, n in selectors.job_counts(since=timezone.now() - dt.timedelta(days=1)).as_dict().items():
            jobs.add_metric([status], n)
        yield jobs
        depth = GaugeMetricFamily("tongban_job_queue_depth", "Job runs waiting in the broker")
        depth.add_metric([], selectors.queue_depth())
        yield depth
        pending = GaugeMetricFamily("tongban_outbox_pending", "Undelivered messages per peer", labels=["peer"])
        lag = GaugeMetricFamily(
            "tongban_outbox_lag_seconds", "Age of the oldest undelivered message per peer", labels=["peer"]
        )
        for region, (n, seconds) in sorted(outbox_lag_by_peer().items()):
            pending.add_metric([region], n)
            lag.add_metric([region], seconds)
        yield pending
        yield lag
        risk = GaugeMetricFamily("tongban_deadlines_at_risk", "Open work past or near its time limit", labels=["kind"])
        for kind, n in sorted({**deadlines_at_risk(), **tickets_at_risk()}.items()):
            risk.add_metric([kind], n)
        yield risk


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(StateCollector())
    return registry


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    token = str(getattr(settings, "TONGBAN_METRICS_TOKEN", ""))
    if token and not hmac.compare_digest(str(request.META.get("HTTP_AUTHORIZATION", "")), f"Bearer {token}"):
        return HttpResponse("metrics: a bearer token is required\n", status=401, content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
