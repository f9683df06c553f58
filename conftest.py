"""Fixtures shared by every app's tests: API client, standards folder, a real browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parent
IN_CI = os.environ.get("CI") == "true"


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_caches() -> None:
    """Each test starts with empty caches: a rolled-back test leaves cached answers behind."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and bool(marker.kwargs.get("transaction")))
    )


@pytest.fixture(autouse=True)
def _shipped_reference_data(request: pytest.FixtureRequest) -> None:
    """Give transactional tests the regions the data migration loads.

    A transactional test (``transaction=True``, ``live_server``) ends with a flush of every table,
    which removes the migration-loaded regions; ``serialized_rollback`` does not restore them
    reliably when the test body and the server use different connections. The regions are loaded
    again after every such flush (``pytest_runtest_teardown`` below), so the tests that follow —
    transactional or not, in whatever order pytest-xdist hands them to this process — find them.
    """
    if not _is_transactional(request.node):
        return
    request.getfixturevalue("transactional_db")
    from tongban.regions.data import load_shipped_regions

    load_shipped_regions()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test's flush (its fixtures' teardown), load the shipped regions again."""
    try:
        return (yield)
    finally:
        # (after the last test the test database is gone: nothing to load, and nowhere safe to)
        if nextitem is not None and _is_transactional(item):
            from pytest_django.plugin import blocking_manager_key

            from tongban.regions.data import load_shipped_regions

            with item.config.stash[blocking_manager_key].unblock():
                load_shipped_regions()


@pytest.fixture
def api_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.fixture(scope="session")
def standards_dir() -> Path:
    path = Path(settings.TONGBAN_STANDARDS_DIR)
    if not path.is_dir():
        _unavailable(f"standards folder not found at {path} (set TONGBAN_STANDARDS_DIR)")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module. Playwright's sync API keeps an asyncio loop running in this
    thread while it is started; stopping it after each module means the tests that pytest-xdist
    runs next in this process (e.g. PDF signing, which calls ``asyncio.run``) find no loop running."""
    chromium = os.environ.get("TONGBAN_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        _unavailable(f"chromium not found at {chromium}")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the
    # test body are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()


AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        _unavailable("axe-core is not installed (npm install)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe_serious(axe_source: str) -> Any:
    """Return a function that runs axe-core on a page and lists its serious or critical violations."""

    def run(pg: Any) -> list[dict[str, Any]]:
        pg.add_script_tag(content=axe_source)
        result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]],
            }
            for v in result["violations"]
            if v.get("impact") in ("serious", "critical")
        ]

    return run
