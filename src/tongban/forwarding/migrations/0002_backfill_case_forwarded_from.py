"""Cases registered from a peer's application before ``Case.forwarded_from`` existed get their origin."""

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps: Any, schema_editor: Any) -> None:
    case_model = apps.get_model("cases", "Case")
    link_model = apps.get_model("forwarding", "ForwardedCase")
    origin = link_model.objects.filter(case_id=OuterRef("pk")).values("origin_region")[:1]
    case_model.objects.filter(pk__in=link_model.objects.values("case_id")).update(forwarded_from=Subquery(origin))


class Migration(migrations.Migration):
    dependencies = [
        ("forwarding", "0001_initial"),
        ("cases", "0003_case_forwarded_from"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
