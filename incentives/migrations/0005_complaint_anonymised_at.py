"""When a closed complaint's customer details were anonymised (retention period).

Numbered 0099 on the hardening branch (renumbered at merge) so that it could not collide with the
migrations added beside it; renumber it after the last one at merge.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0004_ledger_hr_permissions_and_guard"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="anonymised at"
            ),
        ),
    ]
