"""Data sharing: reads through the exchange against the same read done directly, cross-region reads
between two real nodes, and the access log's verification at scale.

    .venv/bin/python bench/sharing.py [--quick] [--database sqlite|postgres] [--clients 4]
                                      [--subjects N] [--seconds S] [--log-entries N]

Two nodes: A (110000, Beijing) serves its resources over HTTP (granian, as in production) and this
process is node B (120000, Tianjin), on B's own database (``tongban_bench_fed_sharing_a`` / ``_b``
on PostgreSQL, two files on SQLite). Both are loaded with the sharing demo (resources, approvals,
the demo people) and B's front-end tables get ``--subjects`` more synthetic people.

Phases:

1. **Local reads, 4 clients** (processes forked from this one, each with its own connection), for
   ``--seconds`` each: *direct* — the provider-table read the exchange itself makes (the record of a
   random subject, by resource and subject, through the ORM); *exchange* —
   ``sharing.services.exchange_read`` for a random subject through the public security bureau's live
   approval, with a verification task as the context: subject, resource, context, membership and
   approval checks, the read, masking and the hash-chained log entry committed. Each exchange read
   is verified afterwards to be in the log. ``exchange_reads_per_s``, ``direct_reads_per_s``,
   ``exchange_read_p99_ms``.
2. **Cross-region reads**: B's public security bureau reads Beijing residents' social insurance
   through A's node, one at a time (a signed query, A's approval check, A's read and log, a signed
   answer verified at B, B's log and receipt). ``cross_region_read_p99_ms``.
3. **The log at scale**: B's access log is filled to ``--log-entries`` entries (valid chains in its
   eight lanes, written with COPY on PostgreSQL) and verified whole by ``tongban sharing verify-log``'s
   code (in the database on PostgreSQL): ``log_verify_s`` for ``log_entries``.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import federation as fed_bench
from federation import Node, drop, percentile, pin_both_ways, prepare, setup_django

SEED = """
import io
from django.conf import settings
from tongban.regions import demo as regions
from tongban.accounts import demo as accounts
from tongban.sharing import demo as sharing
out = io.StringIO()
regions.load(stdout=out)
accounts.load(stdout=out, only_region=settings.TONGBAN_REGION)
sharing.load(stdout=out)
"""


def wait_up(node: Node, seconds: float = 900) -> None:
    """Like ``Node.wait_up`` with a longer patience (a loaded machine starts a server slowly)."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if node.server is None or node.server.poll() is not None:
            raise SystemExit(f"node {node.name} exited: {(node.root / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(node.url + "/federation/v1/node", timeout=20).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"node {node.name} did not answer within {seconds:.0f} s")


def seed_local(subjects: int) -> tuple[list[str], dict[str, str]]:
    """B's extra synthetic people (records of rs_sbjf) and a verification task per subject (the context)."""
    from django.db import transaction
    from django.utils import timezone

    from tongban.regions.models import Department
    from tongban.sharing.constants import ProofMode, VerificationStatus
    from tongban.sharing.demo_data import person_records, synthetic_people
    from tongban.sharing.models import ProofRequirement, ProviderRecord, VerificationTask

    people = synthetic_people("120000", subjects, seed=7)
    today = timezone.localdate()
    records = [r for r in person_records(people, [], [], today=today) if r[0] == "rs_sbjf"]
    psb = Department.objects.get(region_id="120000", code="psb")
    with transaction.atomic():
        ProviderRecord.objects.bulk_create(
            [ProviderRecord(resource_code=c, subject_id=s, data=d) for c, s, d in records],
            batch_size=2000,
            ignore_conflicts=True,
        )
        proof, _ = ProofRequirement.objects.get_or_create(
            region_id="120000",
            code="bench-sbjf",
            defaults={
                "name": "社会保险缴纳证明",
                "issuer": "人社部门",
                "legal_basis": "《社会保险法》",
                "mode": ProofMode.COMMITMENT,
                "resource_code": "rs_sbjf",
            },
        )
        now = timezone.now()
        VerificationTask.objects.bulk_create(
            [
                VerificationTask(
                    number=f"HC-BENCH-{i:07d}",
                    proof=proof,
                    subject_id=p.id_number,
                    subject_name=p.name,
                    department=psb,
                    origin_kind="case",
                    origin_id=f"BENCH-{i}",
                    commitment_text="承诺",
                    committed_at=now,
                    due_on=today + dt.timedelta(days=30),
                    status=VerificationStatus.OPEN,
                )
                for i, p in enumerate(people)
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
    tasks = dict(VerificationTask.objects.filter(number__startswith="HC-BENCH-").values_list("subject_id", "number"))
    return sorted(tasks), tasks


def _worker(kind: str, seconds: float, subjects: list[str], tasks: dict[str, str], seed: int, out: Any) -> None:
    from django.db import connections

    connections.close_all()
    from tongban.accounts.models import User
    from tongban.regions.models import Department
    from tongban.sharing import services
    from tongban.sharing.contexts import AccessContext
    from tongban.sharing.models import ProviderRecord

    rng = random.Random(seed)
    psb = Department.objects.get(region_id="120000", code="psb")
    actor = User.objects.get(username="tj_data_provider")
    latencies: list[float] = []
    refs: list[str] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        subject = rng.choice(subjects)
        started = time.perf_counter()
        if kind == "direct":
            row = (
                ProviderRecord.objects.filter(resource_code="rs_sbjf", subject_id=subject)
                .values_list("data", flat=True)
                .first()
            )
            assert row is not None
        else:
            result = services.exchange_read(
                actor=actor,
                department=psb,
                resource_code="rs_sbjf",
                subject_id=subject,
                fields=None,
                purpose="licensing",
                context=AccessContext(kind="verification", id=tasks[subject]),
            )
            assert result.found
            refs.append(result.log_ref)
        latencies.append((time.perf_counter() - started) * 1000)
    connections.close_all()
    out.put((latencies, refs))


def run_clients(
    kind: str, clients: int, seconds: float, subjects: list[str], tasks: dict[str, str]
) -> tuple[float, float, list[str]]:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(kind, seconds, subjects, tasks, i, out)) for i in range(clients)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - started
    latencies = [v for r in results for v in r[0]]
    refs = [ref for r in results for ref in r[1]]
    return len(latencies) / max(wall, seconds), percentile(latencies, 99), refs


def cross_region(count: int) -> list[float]:
    from tongban.accounts.models import User
    from tongban.regions.models import Department
    from tongban.sharing import services
    from tongban.sharing.constants import ProofMode
    from tongban.sharing.contexts import AccessContext
    from tongban.sharing.demo_data import demo_world
    from tongban.sharing.models import ProofRequirement

    people = [p for p in demo_world()[0] if p.county.startswith("11")]
    psb = Department.objects.get(region_id="120000", code="psb")
    actor = User.objects.get(username="tj_data_provider")
    proof, _ = ProofRequirement.objects.get_or_create(
        region_id="120000",
        code="bench-peer",
        defaults={
            "name": "社会保险缴纳证明",
            "issuer": "北京人社",
            "legal_basis": "《社会保险法》",
            "mode": ProofMode.COMMITMENT,
            "resource_code": "bj_rs_sbjf",
        },
    )
    tasks = {
        p.id_number: services.verification_open(
            actor=None,
            proof=proof,
            subject_id=p.id_number,
            subject_name=p.name,
            department=psb,
            origin_kind="case",
            origin_id="BENCH-X",
        ).number
        for p in people
    }
    latencies = []
    for i in range(count + 3):
        subject = people[i % len(people)].id_number
        started = time.perf_counter()
        result = services.exchange_read(
            actor=actor,
            department=psb,
            resource_code="bj_rs_sbjf",
            subject_id=subject,
            fields=None,
            purpose="licensing",
            context=AccessContext(kind="verification", id=tasks[subject]),
            keep_receipt=True,
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert result.found and result.receipt is not None and result.receipt.signer_region == "110000"
        if i >= 3:  # the first reads open the connection pool and warm the caches
            latencies.append(elapsed)
    return latencies


def fill_log(total: int) -> int:
    """Append valid entries to every lane until the log holds ``total`` entries."""
    from django.db import connection
    from django.utils import timezone

    from tongban.sharing import store
    from tongban.sharing.constants import ACCESS_LOG_LANES
    from tongban.sharing.models import AccessLogEntry, AccessLogHead

    have = AccessLogEntry.objects.count()
    missing = max(0, total - have)
    if not missing:
        return have
    heads = {h.lane: (h.seq, h.last_hash) for h in AccessLogHead.objects.all()}
    state = {lane: heads.get(lane, (0, "")) for lane in range(ACCESS_LOG_LANES)}
    columns = [*store.CANONICAL_COLUMNS, "prev_hash", "hash"]
    base = timezone.now() - dt.timedelta(days=30)
    subjects = [f"12010119800101{n:04d}" for n in range(ACCESS_LOG_LANES)]  # shapes only; not read back
    chunk = 50_000
    written = 0
    postgres = connection.vendor == "postgresql"
    table = AccessLogEntry._meta.db_table
    while written < missing:
        rows = []
        for i in range(min(chunk, missing - written)):
            n = written + i
            lane = n % ACCESS_LOG_LANES
            seq, prev = state[lane]
            values: dict[str, Any] = {
                "lane": lane,
                "seq": seq + 1,
                "occurred_at": base + dt.timedelta(microseconds=n * 37),
                "actor_id": 7,
                "actor_label": "bench",
                "requester_region": "120000",
                "department_id": 1,
                "department_label": "天津市公安局",
                "resource_code": "rs_sbjf",
                "resource_version": 1,
                "subject_id": subjects[lane],
                "fields": "id_number,name,insured",
                "purpose": "licensing",
                "context_kind": "verification",
                "context_id": f"HC-{n}",
                "result": "ok",
                "error_code": "",
                "approval_number": "SQ-BENCH",
                "prev_hash": prev,
            }
            digest = store.entry_hash(values)
            values["hash"] = digest
            state[lane] = (seq + 1, digest)
            rows.append(values)
        with connection.cursor() as cursor:
            if postgres:
                raw = cursor.cursor  # psycopg's own cursor
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for v in rows:
                        copy.write_row([v[c] for c in columns])
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608
                    [
                        [v[c] if c != "occurred_at" else v[c].strftime("%Y-%m-%d %H:%M:%S.%f") for c in columns]
                        for v in rows
                    ],
                )
        written += len(rows)
    with connection.cursor() as cursor:
        for lane, (seq, last) in state.items():
            cursor.execute(
                f"INSERT INTO {AccessLogHead._meta.db_table} (lane, seq, last_hash) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT (lane) DO UPDATE SET seq = excluded.seq, last_hash = excluded.last_hash",
                [lane, seq, last],
            )
        if postgres:
            cursor.execute(f"ANALYZE {table}")
    return have + written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run (about a minute)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--subjects", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--cross", type=int, default=None, help="cross-region reads")
    parser.add_argument("--log-entries", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    subjects_n = args.subjects or (2000 if args.quick else 20000)
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    cross_n = args.cross or (40 if args.quick else 300)
    log_entries = args.log_entries or (20_000 if args.quick else 10_000_000)
    fed_bench.SERVER_KIND[0] = "granian"

    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-sharing-"))
    a = Node("sharing_a", "110000", workdir / "a", args.database)
    b = Node("sharing_b", "120000", workdir / "b", args.database)
    for node in (a, b):
        node.root.mkdir(parents=True)
    try:
        prepare([a, b], args.database, workdir)
        a.tongban("shell", "-c", SEED)
        b.tongban("shell", "-c", SEED)
        a.start()
        b.start()
        wait_up(a)
        wait_up(b)
        pin_both_ways(a, b)
        b.stop()  # this process is node B from here on
        setup_django(b)
        subjects, tasks = seed_local(subjects_n)
        print(f"{len(subjects)} subjects at B; {args.clients} clients × {seconds:.0f} s", file=sys.stderr)

        direct_rate, direct_p99, _ = run_clients("direct", args.clients, seconds, subjects, tasks)
        exchange_rate, exchange_p99, refs = run_clients("exchange", args.clients, seconds, subjects, tasks)
        from tongban.sharing import store
        from tongban.sharing.models import AccessLogEntry

        logged = {f"{lane}-{seq}" for lane, seq in AccessLogEntry.objects.values_list("lane", "seq")}
        assert all(r in logged for r in refs), "an exchange read is missing from the log"
        checked, problems = store.verify()
        assert not problems, problems[:3]
        print(
            f"direct {direct_rate:.0f}/s p99 {direct_p99:.2f} ms; exchange {exchange_rate:.0f}/s p99 {exchange_p99:.2f} ms",
            file=sys.stderr,
        )

        cross = cross_region(cross_n)
        print(f"cross-region p50 {percentile(cross, 50):.1f} ms p99 {percentile(cross, 99):.1f} ms", file=sys.stderr)

        total = fill_log(log_entries)
        started = time.perf_counter()
        checked, problems = store.verify()
        verify_s = time.perf_counter() - started
        assert not problems and checked == total, (checked, total, problems[:3])
        print(f"verified {checked} log entries in {verify_s:.1f} s", file=sys.stderr)
    finally:
        a.stop()
        b.stop()
        if not args.keep:
            drop([a, b])
    result = {
        "database": args.database,
        "clients": args.clients,
        "subjects": len(subjects),
        "direct_reads_per_s": round(direct_rate, 1),
        "direct_read_p99_ms": round(direct_p99, 2),
        "exchange_reads_per_s": round(exchange_rate, 1),
        "exchange_read_p99_ms": round(exchange_p99, 2),
        "exchange_to_direct": round(exchange_rate / direct_rate, 3) if direct_rate else 0,
        "cross_region_reads": len(cross),
        "cross_region_read_p50_ms": round(percentile(cross, 50), 1),
        "cross_region_read_p99_ms": round(percentile(cross, 99), 1),
        "log_entries": checked,
        "log_verify_s": round(verify_s, 2),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
