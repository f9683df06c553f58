"""The job engine for real: ``tongban jobs worker`` processes on a node's SQLite database.

A worker killed mid-job (SIGKILL to its whole process group, as when a machine goes away) leaves
the run leased; when the lease ends, another worker runs it again, and the job's units are each done
once. The periodic jobs of the product are scheduled and run at the worker's start.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tongban.federation.tests.test_multinode import migrated_template, multinode_cache, wait_for

pytestmark = pytest.mark.multinode

BIN = Path(sys.executable).parent


@dataclass
class Site:
    root: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.root / "db.sqlite3"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
        env.update(
            DJANGO_SETTINGS_MODULE="tongban.settings",
            TONGBAN_REGION="120000",
            TONGBAN_DATABASE_URL=f"sqlite:///{self.db}",
            TONGBAN_VAR_DIR=str(self.root),
            TONGBAN_SECRET_KEY="jobs-test-secret-" + "x" * 40,
            TONGBAN_JOB_MODULES="tongban.ops.tests.jobs_for_tests",
            TONGBAN_JOBS_TIMEOUT_SECONDS="15",
            TONGBAN_JOBS_LEASE_SECONDS="16",  # a killed run is delivered again 16 s after it was taken
            TONGBAN_JOBS_POLL_SECONDS="0.2",
            TONGBAN_JOBS_WORKERS="1",
            TONGBAN_LOG_LEVEL="WARNING",
        )
        return env | self.extra_env

    def tongban(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [str(BIN / "tongban"), *args], env=self.env(), capture_output=True, text=True, timeout=180, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.root / "worker.log").open("ab")
        worker = subprocess.Popen(  # noqa: S603
            [str(BIN / "tongban"), "jobs", "worker"],
            env=self.env(),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        self.workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen[bytes]) -> None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    def stop_all(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()  # SIGTERM to the cluster's main process only: it stops its own processes
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait(timeout=30)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=20) as conn:
            return list(conn.execute(sql, params))

    def job(self, job_id: str) -> dict[str, Any]:
        rows = self.query("SELECT status, attempts, result FROM ops_job WHERE id = ?", job_id.replace("-", ""))
        if not rows:
            return {}
        status, attempts, result = rows[0]
        return {"status": status, "attempts": attempts, "result": json.loads(result) if result else None}


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    import shutil

    template = migrated_template(multinode_cache(request, tmp_path))
    site = Site(tmp_path / "node")
    site.root.mkdir()
    shutil.copy(template, site.db)
    try:
        yield site
    finally:
        site.stop_all()


def test_a_job_killed_halfway_is_run_again_and_does_its_work_once(site: Site) -> None:
    holding = site.root / "holding"
    # given a worker running the product's periodic jobs, which it scheduled at its start
    first = site.start_worker()
    wait_for(
        lambda: len(site.query("SELECT DISTINCT name FROM ops_job WHERE status = 'succeeded'")) >= 6,
        what="the periodic jobs to run once",
    )
    scheduled = {r[0] for r in site.query("SELECT name FROM django_q_schedule")}
    assert {"tongban:cases.tick", "tongban:hotline.tick", "tongban:federation.deliver"} <= scheduled
    assert {"tongban:cases.verification_deadlines", "tongban:files.sweep_orphans"} <= scheduled
    # and a job of six units queued for it, whose first attempt stops after three
    job_id = site.tongban(
        "jobs", "run", "ops.test_ledger",
        "--kwargs", json.dumps({"units": 6, "hold_after": 3, "holding_file": str(holding)}),
    ).strip()  # fmt: skip
    wait_for(holding.exists, what="the job to reach its third unit")

    # when the worker is killed mid-job (every process of it, at once)
    site.kill(first)
    # then the run stays as it was: running, attempt 1, three units of six done, which operators see
    assert site.job(job_id) == {"status": "running", "attempts": 1, "result": None}
    assert site.query("SELECT count(*) FROM core_auditevent WHERE stream = 'ops-test:ledger'") == [(3,)]
    status = json.loads(site.tongban("jobs", "status"))
    assert status["jobs"]["running"] == 1 and status["broker"] == "database"

    # when another worker starts
    site.start_worker()

    # then the run is taken again when its lease ends, as attempt 2, and finishes
    wait_for(lambda: site.job(job_id).get("status") == "succeeded", what="the second attempt to finish")
    assert site.job(job_id) == {"status": "succeeded", "attempts": 2, "result": {"written": 3, "attempt": 2}}
    # and each unit was done exactly once, in an intact audit chain
    units = site.query("SELECT object_id, count(*) FROM core_auditevent WHERE stream = 'ops-test:ledger' GROUP BY 1")
    assert sorted(units) == [(str(i), 1) for i in range(6)]
    assert "audit chains intact" in site.tongban("audit", "verify")
    # and operators see it among the retried runs
    retried = json.loads(site.tongban("jobs", "list", "--retried"))
    assert [(j["id"], j["attempts"]) for j in retried] == [(job_id, 2)]
