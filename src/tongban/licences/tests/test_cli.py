from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tongban.accounts.models import User
from tongban.licences import services
from tongban.licences.models import LicenceType
from tongban.licences.tests.factories import make_licence

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("licence", *args, stdout=out)
    return out.getvalue()


def test_list_filters_by_holder_and_status(
    licence_type: LicenceType, resident: User, other_resident: User, licence_admin: User
) -> None:
    a = make_licence(licence_type=licence_type, holder_id=resident.id_number, n=1)
    b = make_licence(licence_type=licence_type, holder_id=resident.id_number, n=2)
    c = make_licence(licence_type=licence_type, holder_id=other_resident.id_number, n=3)
    services.licence_revoke(licence=b, actor=licence_admin, reason="吊销")
    assert _run("list").split() == sorted([a.number, b.number, c.number])
    assert _run("list", "--holder", resident.id_number).split() == sorted([a.number, b.number])
    assert _run("list", "--status", "revoked").split() == [b.number]
    assert _run("list", "--holder", resident.id_number, "--status", "valid").split() == [a.number]


def test_show_json_vc_jwt_and_pdf(tmp_path: Path, licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    record = json.loads(_run("show", licence.number, "--format", "json"))
    assert record["number"] == licence.number and record["status"] == "valid"
    assert _run("show", licence.number, "--format", "vc-jwt").strip() == licence.vc_jwt
    target = tmp_path / "licence.pdf"
    call_command("licence", "show", licence.number, "--format", "pdf", "--output", str(target), stderr=io.StringIO())
    assert target.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="licence_not_found"):
        _run("show", "NOPE-120000-00000001X", "--format", "json")
