"""A node on a partitioned schema (PostgreSQL): audit events, licence uses and the federation log by month.

The test database (with a licence issued: signed, audited) is copied as a new node's database, its big
tables are partitioned by ``tongban partitions apply``, and then the node works on it: new audit events,
a verification that logs a licence use, a federation log entry each land in this month's partition,
an old-dated row in the default one, every audit chain verifies, and the coming months are ready.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from tongban.licences.tests.factories import make_licence

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent

SCENARIO = """
import datetime as dt, json, sys
from django.db import connection, transaction
from django.utils import timezone
from tongban.core import audit
from tongban.federation.models import MessageLog
from tongban.licences.services import licence_verify
number, holder = sys.stdin.read().split()
with transaction.atomic():
    for i in range(3):
        audit.record(stream="partition-test", action="test.partitioned", object_type="test", object_id=i)
result = licence_verify(number=number, holder_id=holder, by_label="partition test")
MessageLog.objects.create(direction="sent", message_id="m-1", peer_region="110000", type="federation.ping")
old = MessageLog.objects.create(direction="sent", message_id="m-old", peer_region="110000", type="federation.ping")
MessageLog.objects.filter(pk=old.pk).update(logged_at=timezone.now() - dt.timedelta(days=800))
def where(table, column, value):
    with connection.cursor() as c:
        c.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE {column} = %s", [value])
        return sorted({r[0] for r in c.fetchall()})
print(json.dumps({
    "valid": result.valid,
    "audit": where("core_auditevent", "stream", "partition-test"),
    "uses": where("licences_licenceuse", "by_label", "partition test"),
    "log": where("federation_messagelog", "message_id", "m-1"),
    "old_log": where("federation_messagelog", "message_id", "m-old"),
    "problems": len(audit.verify_all()),
}))
"""


def test_a_node_works_on_monthly_partitions_of_its_big_tables() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("monthly partitions are a PostgreSQL feature")
    import psycopg

    # given a node's database with an issued licence and its audit trail
    licence = make_licence()
    db = connection.settings_dict
    server = f"postgresql://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    copy = f"tb_partitioned_{uuid.uuid4().hex[:10]}"
    connections.close_all()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{db["NAME"]}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tongban.settings",
        TONGBAN_DATABASE_URL=f"{server}/{copy}",
        TONGBAN_REGION=settings.TONGBAN_REGION,
        TONGBAN_SECRET_KEY=settings.SECRET_KEY,
        TONGBAN_VAR_DIR=str(Path(settings.VAR_DIR)),
        TONGBAN_LOG_LEVEL="ERROR",
    )

    def tongban(*args: str, stdin: str = "") -> str:
        done = subprocess.run(  # noqa: S603
            [str(BIN / "tongban"), *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    try:
        # when its big tables are partitioned by month
        applied = json.loads(tongban("partitions", "apply"))
        assert set(applied) == {"core_auditevent", "licences_licenceuse", "federation_messagelog"}
        assert all(months >= 4 for months in applied.values())  # this month and the next three, at least
        # then the node works on them: each new row in this month's partition, an old one in the default
        out = json.loads(
            tongban("shell", "-c", SCENARIO, stdin=f"{licence.number} {licence.holder_id}").splitlines()[-1]
        )
        from django.utils import timezone

        month = f"{timezone.now().astimezone(__import__('datetime').UTC):%Y%m}"
        assert out["valid"] is True and out["problems"] == 0
        assert out["audit"] == [f"core_auditevent_p{month}"]
        assert out["uses"] == [f"licences_licenceuse_p{month}"]
        assert out["log"] == [f"federation_messagelog_p{month}"]
        assert out["old_log"] == ["federation_messagelog_pdefault"]
        # and the licence's audit trail, copied into the partitions, still verifies
        assert "audit chains intact" in tongban("audit", "verify")
        # and applying again changes nothing, while the coming months are kept ready
        assert json.loads(tongban("partitions", "apply")) == {}
        status = json.loads(tongban("partitions", "status"))
        assert f"core_auditevent_p{month}" in status["core_auditevent"]
        assert "core_auditevent_pdefault" in status["core_auditevent"]
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
