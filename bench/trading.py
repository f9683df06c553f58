"""Public-resource trading: a remote opening of 500 sealed bids, and the OCDS bulk export.

    .venv/bin/python bench/trading.py [--quick] [--database sqlite|postgres] [--bids 500] [--procedures N]

One node (120000) on a fresh database (``tongban_bench_trading`` on PostgreSQL, a file in a temporary
folder on SQLite), migrated.

1. **Opening** (``opening_500_s``): a procedure with 500 registered bidders, each bid sealed as the
   browser seals it (AES-256-GCM, SHA-256 commitment; the key is random here, the server never
   derives keys) and submitted through ``services.bid_submit`` (stored, receipt signed). Then the
   measured part, as in the online hall: ``opening_start``, every bidder's ``bid_open`` (the server
   decrypts with the released key, checks the commitment and the bid's content, records the bid
   through the workflow with its audit event, one transaction each), and ``opening_close`` (each
   receipt verified against the node's key and the stored ciphertext's SHA-256, the opening record
   signed and published with its notice and OCDS release). Goal: under 10 s.
2. **OCDS export** (``ocds_releases_per_s``, ``ocds_peak_rss_mb``): ``--procedures`` published
   procedures (100,000; ``--quick``: 5,000) with the releases of their stages — the releases of
   one procedure run through every stage here (tender, opening, award, award update, contract),
   copied per procedure with its own ids; a tenth of the procedures stop after the announcement and
   a fifth after the opening. ``tongban trading ocds-export --output FILE`` runs as its own process;
   its wall time and peak resident memory are measured (``os.wait4``). Goal: at least 2,000
   releases/s, memory independent of the number of procedures.
3. **Validation** (``ocds_invalid``): every record of the exported file, streamed, against the record
   package schema's record definition and the release schema of ``TONGBAN_STANDARDS_DIR/ocds-1.1.5``,
   plus the open codelists, in ``--workers`` processes: ``trading.ocds.record_errors_fast``
   (``jsonschema_rs``) for every record, and every hundredth record also through
   ``trading.ocds.record_errors`` (``jsonschema``, the validator of the tests), which must agree.
   Goal: 0.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("TONGBAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "tongban_bench_trading"
UNUSABLE = "!"  # the accounts of the benchmark never log in


def configure(database: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_") or k == "TONGBAN_STANDARDS_DIR"}
    env.update(
        DJANGO_SETTINGS_MODULE="tongban.settings",
        TONGBAN_REGION="120000",
        TONGBAN_VAR_DIR=str(workdir),
        TONGBAN_SECRET_KEY="bench-trading-" + "x" * 40,
        TONGBAN_NOTIFY_BACKENDS="file",
        TONGBAN_NOTIFY_FILE=str(workdir / "notifications.log"),
        TONGBAN_DATABASE_URL=f"{PG_SERVER}/{DB_NAME}"
        if database == "postgres"
        else f"sqlite:///{workdir / 'db.sqlite3'}",
    )
    env.setdefault("TONGBAN_STANDARDS_DIR", str(ROOT.parent / "shared" / "standards"))
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def drop(database: str) -> None:
    if database != "postgres":
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


# ------------------------------------------------------------------ 1. the opening


def make_bidders(count: int) -> list[tuple[Any, Any]]:
    from django.db import transaction

    from tongban.accounts.constants import MemberRole
    from tongban.accounts.models import Enterprise, EnterpriseMember, User
    from tongban.core.identifiers import make_resident_id, make_uscc

    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench_bidder_{i}",
                    full_name=f"投标代表{i}",
                    id_number=make_resident_id("120101", dt.date(1970, 1, 1) + dt.timedelta(days=i), i % 1000),
                    password=UNUSABLE,
                )
                for i in range(count)
            ]
        )
        enterprises = Enterprise.objects.bulk_create(
            [
                Enterprise(
                    uscc=make_uscc("120104", 500000 + i),
                    name=f"基准测试建设工程有限公司{i}",
                    legal_representative_name=users[i].full_name,
                    legal_representative_id_number=users[i].id_number,
                    region_id="120000",
                )
                for i in range(count)
            ]
        )
        EnterpriseMember.objects.bulk_create(
            [
                EnterpriseMember(
                    user=u, enterprise=e, role=MemberRole.LEGAL_REPRESENTATIVE, authorised_from=dt.date(2026, 1, 1)
                )
                for u, e in zip(users, enterprises, strict=True)
            ]
        )
    return list(zip(User.objects.filter(username__startswith="bench_bidder_").order_by("pk"), enterprises, strict=True))


def operator() -> Any:
    from tongban.accounts.models import User
    from tongban.trading.constants import TradingRoleKind
    from tongban.trading.models import TradingRole

    user = User.objects.create(username="bench_operator", kind="staff", password=UNUSABLE)
    TradingRole.objects.create(user=user, role=TradingRoleKind.OPERATOR)
    return user


def new_procedure(op: Any, number: str, employer: Any) -> Any:
    from django.utils import timezone

    from tongban.trading import services

    project = services.project_create(
        actor=op,
        code=f"P-{number}",
        name=f"基准测试工程{number}",
        kind="construction",
        region_code="120000",
        employer=employer,
    )
    draft = services.procedure_create(
        actor=op,
        project=project,
        number=number,
        title=f"基准测试工程{number}施工",
        category="works",
        criteria=[
            {"code": "price", "name": "投标报价", "max": 40, "kind": "price"},
            {"code": "technical", "name": "施工组织设计", "max": 40, "kind": "technical"},
            {"code": "commercial", "name": "企业业绩与信誉", "max": 20, "kind": "commercial"},
        ],
        bid_deadline=timezone.now() + dt.timedelta(days=21),
        estimated_value=Decimal("50000000"),
    )
    return services.procedure_publish(actor=op, procedure_id=draft.pk, body="基准测试招标公告")


def seal(procedure: Any, enterprise: Any, price: str) -> tuple[Any, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from tongban.trading import sealing, services

    plaintext = sealing.plaintext_for(
        ocid=procedure.ocid, bidder_uscc=enterprise.uscc, price=price, duration_days=300, note="基准测试投标文件" * 20
    )
    key, salt, iv = os.urandom(32), os.urandom(16), os.urandom(12)
    sealed = services.SealedBid(
        cipher="AES-256-GCM",
        kdf="PBKDF2-SHA256",
        iterations=310_000,
        commitment=sealing.commitment_of(plaintext),
        primary=sealing.Sealed(
            salt=sealing.b64(salt), iv=sealing.b64(iv), ciphertext=sealing.b64(AESGCM(key).encrypt(iv, plaintext, None))
        ),
    )
    return sealed, base64.b64encode(key).decode()


def opening(bids: int) -> tuple[float, Any, list[tuple[Any, Any]]]:
    """``bids`` bidders seal and submit (setup), then the measured opening."""
    from django.utils import timezone

    from tongban.trading import services
    from tongban.trading.constants import BidStatus
    from tongban.trading.models import Bid, Procedure

    op = operator()
    everyone = make_bidders(bids + 5)  # the last ones are employers or bid in the template procedure
    bidders, employer = everyone[:bids], everyone[-1][1]
    procedure = new_procedure(op, "BENCH-OPEN-1", employer)
    keys = []
    started = time.perf_counter()
    for i, (user, enterprise) in enumerate(bidders):
        services.registration_create(actor=user, procedure_id=procedure.pk, enterprise=enterprise)
        sealed, key = seal(procedure, enterprise, f"{48_000_000 + i * 1000}.00")
        bid = services.bid_submit(actor=user, procedure_id=procedure.pk, enterprise=enterprise, sealed=sealed)
        keys.append((user, bid.pk, key))
    print(f"sealed and submitted {len(keys)} bids in {time.perf_counter() - started:.1f} s (setup, not measured)")
    Procedure.objects.filter(pk=procedure.pk).update(bid_deadline=timezone.now() - dt.timedelta(seconds=1))

    started = time.perf_counter()
    services.opening_start(actor=op, procedure_id=procedure.pk)
    for user, bid_id, key in keys:
        services.bid_open(actor=user, bid_id=bid_id, key=key)
    services.opening_close(actor=op, procedure_id=procedure.pk)
    elapsed = time.perf_counter() - started
    procedure.refresh_from_db()
    opened = Bid.objects.filter(procedure=procedure, status=BidStatus.OPENED).count()
    verified = sum(1 for row in procedure.opening_record["bids"] if row["receipt_verified"])
    assert opened == len(keys) == verified == bids, (opened, len(keys), verified)
    return elapsed, op, everyone[bids:]


# ------------------------------------------------------------------ 2. the OCDS export


def full_lifecycle(op: Any, bidders: list[tuple[Any, Any]]) -> Any:
    """One small procedure through every stage, for its releases (the templates of the synthetic ones)."""
    from django.utils import timezone

    from tongban.accounts.models import User
    from tongban.core.identifiers import make_resident_id
    from tongban.trading import evaluation, pool, services
    from tongban.trading.constants import SeatAction
    from tongban.trading.models import Procedure

    employer = bidders[-1][1]  # the template's bidders are bidders[:3]
    procedure = new_procedure(op, "BENCH-TEMPLATE-1", employer)
    keys = []
    for i, (user, enterprise) in enumerate(bidders[:3]):
        services.registration_create(actor=user, procedure_id=procedure.pk, enterprise=enterprise)
        sealed, key = seal(procedure, enterprise, f"{47_000_000 + i * 250_000}.00")
        keys.append(
            (
                user,
                services.bid_submit(actor=user, procedure_id=procedure.pk, enterprise=enterprise, sealed=sealed),
                key,
            )
        )
    Procedure.objects.filter(pk=procedure.pk).update(bid_deadline=timezone.now() - dt.timedelta(seconds=1))
    services.opening_start(actor=op, procedure_id=procedure.pk)
    for user, bid, key in keys:
        services.bid_open(actor=user, bid_id=bid.pk, key=key)
    services.opening_close(actor=op, procedure_id=procedure.pk)
    experts = []
    for i in range(5):
        login = User.objects.create(username=f"bench_expert_{i}", password=UNUSABLE)
        experts.append(
            pool.expert_save(
                actor=op,
                code=f"BE{i}",
                name=f"专家{i}",
                id_number=make_resident_id("120102", dt.date(1965, 1, 1 + i), i),
                specialties=["building"],
                user=login,
            )
        )
    draw = pool.draw_reveal(actor=op, draw_id=pool.draw_commit(actor=op, procedure_id=procedure.pk).pk)
    seats = list(draw.seats.select_related("expert__user"))
    logins = {seat.pk: seat.expert.user for seat in seats if seat.expert.user is not None}
    for seat in seats:
        pool.seat_answer(actor=op, seat_id=seat.pk, action=SeatAction.CONFIRM)
    evaluation.evaluation_start(actor=op, procedure_id=procedure.pk)
    for seat in seats:
        scores = {bid.pk: {"technical": "32", "commercial": "16"} for _u, bid, _k in keys}
        evaluation.sheet_save(actor=logins[seat.pk], procedure_id=procedure.pk, scores=scores, submit=True)
    report = evaluation.report_draft(actor=op, procedure_id=procedure.pk)
    for seat in seats:
        evaluation.report_sign(actor=logins[seat.pk], report_id=report.pk)
    evaluation.candidates_publish(actor=op, procedure_id=procedure.pk)
    Procedure.objects.filter(pk=procedure.pk).update(publicity_ends_at=timezone.now() - dt.timedelta(seconds=1))
    services.procedure_award(actor=op, procedure_id=procedure.pk)
    procedure.refresh_from_db()
    services.procedure_contract(
        actor=op,
        procedure_id=procedure.pk,
        contract_number="BENCH-HT-1",
        value=procedure.awarded_bid.price,
        signed_at=timezone.now(),
    )
    return procedure


def synthesize(template: Any, count: int) -> int:
    """``count`` procedures with the template's releases, each with its own number, ocid and ids."""
    from django.db import connection, transaction

    from tongban.trading.constants import ProcedureStatus
    from tongban.trading.models import Procedure, Release

    texts = list(template.releases.order_by("date", "pk").values_list("data", "tag", "date"))
    ocid, number = template.ocid, template.number
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Procedure._meta.concrete_fields
        if f.attname not in ("id", "number", "ocid", "status", "awarded_bid_id", "created_at", "updated_at")
    }
    made = 0
    batch = 1000
    releases_made = 0
    while made < count:
        n = min(batch, count - made)
        with transaction.atomic():
            procs = []
            for k in range(made, made + n):
                new_number = f"SYN-{k:07d}"
                stages = 1 if k % 10 == 0 else (2 if k % 5 == 1 else len(texts))
                status = {1: ProcedureStatus.ANNOUNCED, 2: ProcedureStatus.OPENED}.get(
                    stages, ProcedureStatus.CONTRACTED
                )
                p = Procedure(**fields, number=new_number, ocid=ocid.replace(number, new_number), status=status)
                p._stages = stages  # type: ignore[attr-defined]
                procs.append(p)
            Procedure.objects.bulk_create(procs, batch_size=1000)
            if connection.vendor != "postgresql":  # bulk_create sets the ids on PostgreSQL only
                by_number = dict(
                    Procedure.objects.filter(number__in=[p.number for p in procs]).values_list("number", "pk")
                )
                for p in procs:
                    p.pk = by_number[p.number]
            rels = []
            for p in procs:
                for data, tag, date in texts[: p._stages]:  # type: ignore[attr-defined]
                    text = data.replace(ocid, p.ocid).replace(f'"id":"{number}"', f'"id":"{p.number}"')
                    text = text.replace(f"{number}-", f"{p.number}-")
                    rel_id = json.loads(text)["id"]
                    rels.append(Release(procedure_id=p.pk, release_id=rel_id, tag=tag, date=date, data=text))
            Release.objects.bulk_create(rels, batch_size=2000)
            releases_made += len(rels)
        made += n
    return releases_made


def export(env: dict[str, str], target: Path) -> tuple[float, float, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "tongban"), "trading", "ocds-export", "--output", str(target)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"export failed: {err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, out.strip()


# ------------------------------------------------------------------ 3. validation


def _validate_chunk(lines: list[str]) -> tuple[int, int]:
    """(invalid records, disagreements): every record by the fast validator, every hundredth also by
    the reference validator the tests use, which must agree."""
    from tongban.trading import ocds

    invalid = disagree = 0
    for i, text in enumerate(lines):
        doc = json.loads(text)
        bad = bool(ocds.record_errors_fast(doc))
        invalid += bad
        if i % 100 == 0 and bad != bool(ocds.record_errors(doc)):
            disagree += 1
    return invalid, disagree


def validate(target: Path, workers: int) -> tuple[int, int, float]:
    from tongban.trading import ocds

    started = time.perf_counter()
    invalid = records = disagree = 0
    chunk: list[str] = []
    ctx = multiprocessing.get_context("fork")
    with target.open(encoding="utf-8") as fh, ctx.Pool(workers) as pool:
        pending = []
        for text in ocds.iter_exported(iter(fh)):
            chunk.append(text)
            records += 1
            if len(chunk) >= 500:
                pending.append(pool.apply_async(_validate_chunk, (chunk,)))
                chunk = []
                while len(pending) > workers * 4:  # keep memory bounded
                    bad, differ = pending.pop(0).get()
                    invalid, disagree = invalid + bad, disagree + differ
        if chunk:
            pending.append(pool.apply_async(_validate_chunk, (chunk,)))
        for job in pending:
            bad, differ = job.get()
            invalid, disagree = invalid + bad, disagree + differ
    if disagree:
        raise SystemExit(f"the fast and the reference validators disagree on {disagree} records")
    return records, invalid, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SQLite, 5,000 procedures")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default=None)
    parser.add_argument("--bids", type=int, default=500)
    parser.add_argument("--procedures", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2, help="processes validating the export")
    args = parser.parse_args()
    database = args.database or ("sqlite" if args.quick else "postgres")
    procedures = args.procedures or (5_000 if args.quick else 100_000)
    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-trading-"))
    try:
        env = configure(database, workdir)
        print(
            f"machine: {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}"
        )
        print(f"database {database}; {args.bids} bids; {procedures} procedures")
        opening_s, op, spare = opening(args.bids)
        print(
            f"opening of {args.bids} bids (start, {args.bids} decryptions and verifications, close): {opening_s:.2f} s"
        )
        template = full_lifecycle(op, spare)
        started = time.perf_counter()
        made = synthesize(template, procedures)
        print(f"{procedures} procedures with {made} releases generated in {time.perf_counter() - started:.1f} s")
        target = workdir / "ocds-records.json"
        export_s, rss_mb, said = export(env, target)
        from tongban.trading.models import Release

        total = Release.objects.count()
        per_s = total / export_s
        print(
            f"export: {said}; {export_s:.1f} s, {per_s:.0f} releases/s, peak RSS {rss_mb:.0f} MB, file {target.stat().st_size / 1e6:.0f} MB"
        )
        records, invalid, validate_s = validate(target, args.workers)
        print(f"validated {records} records in {validate_s:.1f} s ({args.workers} processes): {invalid} invalid")
        print(
            json.dumps(
                {
                    "opening_500_s": round(opening_s, 2),
                    "ocds_releases_per_s": round(per_s),
                    "ocds_peak_rss_mb": round(rss_mb, 1),
                    "ocds_invalid": invalid,
                    "bids": args.bids,
                    "procedures": procedures + 2,
                    "releases": total,
                    "database": database,
                }
            )
        )
    finally:
        drop(database)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
