"""How much a resident types and uploads: the demo journeys driven through the apply pages.

    .venv/bin/python bench/resident_effort.py [--quick] [--database sqlite|postgres]

A fresh Tianjin node (120000) with the demo data (``tongban seed demo``); for each journey a demo
resident (or enterprise) logs in and applies online through the portal's pages, as a person would:
GET ``/cases/apply/<item>/``, answer the situation questions (情形引导), fill every form field that
is not prefilled, for each material either give consent to fetch it through the exchange (when the
page offers it: ``dc-<code>``), use an electronic licence (when offered and held: ``l-<code>`` +
``lc-<code>``) or upload a file (``m-<code>``), and submit. The page is read the way a browser
reads it (its inputs, their values), so the figures are what the resident meets:

- ``fields_typed``: required form fields the resident had to fill; ``fields_prefilled``: form fields
  the page filled in (from the account, or from data the government holds);
- ``uploads``: files uploaded; ``gov_held_uploads``: of those, documents a government body issued or
  holds (the catalog says so: the material's source is a government body, or a licence type or a
  data resource can replace it);
- ``data_fetched``: materials fetched through the exchange with consent (已由部门共享获取);
  ``licences_used``: materials satisfied by an electronic licence.

Each journey must end with a submitted case. The last line is one JSON object with ``journeys``,
``gov_held_uploads_total``, ``uploads_total``, ``fields_typed_total``, ``fields_prefilled_total``,
``data_fetched_total`` and the per-journey figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("TONGBAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Journey:
    label: str
    item_name: str  # the Tianjin item's name in the demo catalog
    username: str
    situations: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)  # what the resident types, by field name
    enterprise: bool = False


JOURNEYS = [
    Journey(
        "出生登记",
        "出生登记",
        "tj_resident_1",
        {"married": "yes"},
        {"baby_name": "张一诺", "birth_date": "2026-11-20", "gender": "女", "guardian_id": "120101198511200131"},
    ),
    Journey(
        "户口迁移",
        "户口迁移",
        "tj_resident_1",
        {"reason": "house", "agent": "no"},
        {"from_address": "天津市和平区南京路189号3门1201"},
    ),
    Journey("居住证", "居住证办理", "tj_resident_1", {}, {}),
    Journey(
        "结婚登记",
        "内地居民结婚登记",
        "tj_resident_2",
        {},
        {
            "man_name": "王磊",
            "man_id": "120116199304220374",
            "woman_name": "李娜",
            "woman_id": "120116199501080243",
            "date": "2026-12-18",
        },
    ),
    Journey("高龄津贴", "高龄津贴申领", "tj_retiree", {}, {}),
    Journey("社保卡申领", "社会保障卡申领", "tj_resident_2", {}, {}),
    Journey(
        "开办企业",
        "企业设立登记（营业执照）",
        "tj_resident_1",
        {"type": "llc"},
        {
            "enterprise_name": "天津津门新材料科技有限公司",
            "registered_capital": "100",
            "legal_representative": "张伟",
            "legal_representative_id": "120101198511200131",
            "address": "天津市和平区南京路189号",
            "business_scope": "新材料技术研发；技术服务",
        },
    ),
]
FILLER = {"text": "示例", "address": "天津市和平区南京路189号", "date": "2026-12-20", "number": "1"}


@dataclass
class Effort:
    journey: str
    item_code: str = ""
    fields_typed: int = 0
    fields_prefilled: int = 0
    uploads: int = 0
    gov_held_uploads: int = 0
    gov_held_uploaded: list[str] = field(default_factory=list)
    data_fetched: int = 0
    licences_used: int = 0
    submitted: bool = False


INPUT = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)
ATTR = re.compile(r'([\w-]+)(?:="([^"]*)")?')


def _inputs(html: str) -> list[dict[str, str]]:
    found = []
    for m in INPUT.finditer(html):
        attrs = {k: v for k, v in ATTR.findall(m.group(2))}
        attrs["_tag"] = m.group(1)
        found.append(attrs)
    return found


def _options(html: str, name: str) -> list[str]:
    block = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    return [v for v in re.findall(r'<option value="([^"]*)"', block.group(1)) if v] if block else []


def drive(client: Any, journey: Journey, item: Any, gov_held: set[str]) -> Effort:
    effort = Effort(journey=journey.label, item_code=item.code)
    query = "&".join(f"s-{k}={v}" for k, v in journey.situations.items())
    page = client.get(f"/cases/apply/{item.code}/" + (f"?{query}" if query else ""))
    assert page.status_code == 200, (journey.label, page.status_code)
    html = page.content.decode()
    inputs = _inputs(html)
    post: dict[str, Any] = {"action": "submit", "delivery_method": "electronic"}
    post.update({f"s-{k}": v for k, v in journey.situations.items()})
    seen: set[str] = set()
    for attrs in inputs:
        name = attrs.get("name", "")
        if not name.startswith("f-") or name in seen:
            continue
        seen.add(name)
        key = name[2:]
        kind = attrs.get("data-field-type", "text")
        if attrs["_tag"] == "input" and attrs.get("type") == "radio":
            checked = [a for a in inputs if a.get("name") == name and "checked" in a]
            if checked:
                effort.fields_prefilled += 1
                post[name] = checked[0].get("value", "")
            elif "required" in attrs or key in journey.typed:
                effort.fields_typed += 1
                post[name] = journey.typed.get(key) or attrs.get("value", "")
            continue
        value = attrs.get("value", "")
        if attrs["_tag"] == "textarea":
            block = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.S)
            value = block.group(1).strip() if block else ""
        if value:
            effort.fields_prefilled += 1
            post[name] = value
        elif "required" in attrs or key in journey.typed:
            effort.fields_typed += 1
            post[name] = journey.typed.get(key) or FILLER.get(kind, "示例")
    for attrs in inputs:  # materials
        name = attrs.get("name", "")
        if not name.startswith("m-"):
            continue
        code = name[2:]
        if any(a.get("name") == f"dc-{code}" for a in inputs):
            post[f"dc-{code}"] = "1"
            effort.data_fetched += 1
            continue
        licences = _options(html, f"l-{code}")
        if licences:
            post[f"l-{code}"] = licences[0]
            post[f"lc-{code}"] = "on"
            effort.licences_used += 1
            continue
        post[name] = io.BytesIO(PDF)
        post[name].name = f"{code}.pdf"
        effort.uploads += 1
        if code in gov_held:
            effort.gov_held_uploads += 1
            effort.gov_held_uploaded.append(code)
    if "commitment_signed" in html:
        post["commitment_signed"] = "on"
    answer = client.post(f"/cases/apply/{item.code}/", post)
    effort.submitted = answer.status_code == 302
    if not effort.submitted:
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{1,120})<', answer.content.decode())
        print(f"{journey.label}: not submitted ({answer.status_code}): {errors[:5]}", file=sys.stderr)
    return effort


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the same journeys (the run is short already)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-effort-"))
    db_name = "tongban_bench_effort"
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {db_name}")
        url = f"{PG_SERVER}/{db_name}"
    else:
        url = f"sqlite:///{workdir / 'db.sqlite3'}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tongban.settings",
        TONGBAN_DATABASE_URL=url,
        TONGBAN_REGION="120000",
        TONGBAN_VAR_DIR=str(workdir),
        TONGBAN_NOTIFY_BACKENDS="file",
        TONGBAN_NOTIFY_FILE=str(workdir / "notifications.log"),
        TONGBAN_LOG_LEVEL="ERROR",
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from tongban.accounts.models import User
    from tongban.catalog.constants import ItemStatus, MaterialSource
    from tongban.catalog.models import Material, ServiceItem

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed", "demo", stdout=io.StringIO())
    print(f"demo loaded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    efforts = []
    for journey in JOURNEYS:
        item = ServiceItem.objects.filter(
            region_id="120000", status=ItemStatus.PUBLISHED, name=journey.item_name
        ).first()
        if item is None:
            print(f"{journey.label}: no item named {journey.item_name}", file=sys.stderr)
            continue
        gov_held = {
            m.code
            for m in Material.objects.filter(item=item)
            if m.source == MaterialSource.GOVERNMENT or m.licence_type_code or m.data_resource_code
        }
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(User.objects.get(username=journey.username))
        effort = drive(client, journey, item, gov_held)
        efforts.append(effort)
        print(
            f"{effort.journey:8} typed {effort.fields_typed:2} prefilled {effort.fields_prefilled:2} uploads {effort.uploads} "
            f"(government-held {effort.gov_held_uploads}: {','.join(effort.gov_held_uploaded) or '-'}) "
            f"fetched {effort.data_fetched} licences {effort.licences_used} submitted {effort.submitted}",
            file=sys.stderr,
        )
    if args.database == "postgres" and not args.keep:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
    result = {
        "journeys": len(efforts),
        "submitted": sum(e.submitted for e in efforts),
        "gov_held_uploads_total": sum(e.gov_held_uploads for e in efforts),
        "uploads_total": sum(e.uploads for e in efforts),
        "fields_typed_total": sum(e.fields_typed for e in efforts),
        "fields_prefilled_total": sum(e.fields_prefilled for e in efforts),
        "data_fetched_total": sum(e.data_fetched for e in efforts),
        "licences_used_total": sum(e.licences_used for e in efforts),
        "per_journey": [asdict(e) for e in efforts],
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
