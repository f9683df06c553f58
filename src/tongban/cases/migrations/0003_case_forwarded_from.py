"""跨省通办: the origin region of a forwarded case, on the case itself."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_joint_cases"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="forwarded_from",
            field=models.CharField(blank=True, default="", max_length=6, verbose_name="forwarded from region"),
        ),
    ]
