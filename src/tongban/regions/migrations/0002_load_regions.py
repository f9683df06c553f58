from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from tongban.regions.data import REGIONS

    Region = apps.get_model("regions", "Region")
    for code, name, name_en, level, parent in REGIONS:
        Region.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "level": level, "parent_id": parent}
        )


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
