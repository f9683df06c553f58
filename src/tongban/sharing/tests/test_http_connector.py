"""The HTTP connector against a real provider process on loopback: records, retries, timeouts,
garbage and a provider that is down — each with its stable code, logged, nothing else written."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tongban.sharing import services
from tongban.sharing.constants import AccessResult, ConnectorKind
from tongban.sharing.contexts import AccessContext
from tongban.sharing.errors import ProviderUnavailable
from tongban.sharing.models import AccessLogEntry, DataReceipt
from tongban.sharing.tests.conftest import ZHANG_WEI, World, approve, publish
from tongban.sharing.tests.test_exchange import commitment_task

pytestmark = pytest.mark.django_db

SLOW = "120101199001010017"
GARBAGE = "120101199001020012"
FLAKY = "120101199001030018"
FIELDS = ["id_number", "name", "account_number", "employer", "deposit_status", "monthly_deposit"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Provider:
    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.spec = root / "provider.json"
        record = {
            "id_number": ZHANG_WEI,
            "name": "张伟",
            "account_number": "12010013001",
            "employer": "天津津港物流有限公司",
            "deposit_status": "正常缴存",
            "monthly_deposit": 2360,
            "balance": 94400,
        }
        self.spec.write_text(
            json.dumps(
                {
                    "records": {f"gjj_jcxx/{ZHANG_WEI}": record, f"gjj_jcxx/{FLAKY}": {**record, "id_number": FLAKY}},
                    "slow": [SLOW],
                    "garbage": [GARBAGE],
                    "flaky": [FLAKY],
                },
                ensure_ascii=False,
            )
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tongban.sharing.tests.provider_server", str(self.port), str(self.spec)]
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the provider did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    server = Provider(tmp_path)
    server.start()
    yield server
    server.stop()


def _setup(world: World, provider: Provider, **config: Any) -> None:
    publish(
        world,
        "gjj_jcxx",
        provider_code="hrss",
        connector=ConnectorKind.HTTP,
        connector_config={"base_url": provider.url, "timeout": 0.5, "retries": 1, **config},
    )
    approve(world, "gjj_jcxx", FIELDS)


def _read(world: World, subject: str) -> services.ReadResult:
    task = commitment_task(world, subject=subject)
    return services.exchange_read(
        actor=world.reviewer,
        department=world.psb,
        resource_code="gjj_jcxx",
        subject_id=subject,
        fields=None,
        purpose="licensing",
        context=AccessContext(kind="verification", id=task.number),
        keep_receipt=True,
    )


def test_a_record_is_read_from_the_provider_process(world: World, provider: Provider) -> None:
    _setup(world, provider)
    result = _read(world, ZHANG_WEI)
    assert result.found and result.data["employer"] == "天津津港物流有限公司" and "balance" not in result.data
    assert result.source_updated_at is not None and result.receipt is not None


def test_a_busy_provider_is_asked_again(world: World, provider: Provider) -> None:
    _setup(world, provider)
    assert _read(world, FLAKY).found


@pytest.mark.parametrize(("subject", "code"), [(SLOW, "provider_timeout"), (GARBAGE, "provider_bad_answer")])
def test_slow_and_broken_answers_are_refused_plainly(world: World, provider: Provider, subject: str, code: str) -> None:
    _setup(world, provider, retries=0)
    with pytest.raises(ProviderUnavailable) as refused:
        _read(world, subject)
    assert refused.value.code == code and refused.value.status == 503
    assert "上传" in str(refused.value.message)  # the applicant is told they may upload instead
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert entry is not None and (entry.result, entry.error_code) == (AccessResult.UNAVAILABLE, code)
    assert not DataReceipt.objects.exists()


def test_a_provider_that_is_down_is_named_as_such(world: World, provider: Provider) -> None:
    _setup(world, provider)
    provider.stop()
    with pytest.raises(ProviderUnavailable) as refused:
        _read(world, ZHANG_WEI)
    assert refused.value.code == "provider_unavailable"
    assert str(refused.value.message) == "掌握该数据的部门系统暂时无法连接，您可以改为上传材料。"
