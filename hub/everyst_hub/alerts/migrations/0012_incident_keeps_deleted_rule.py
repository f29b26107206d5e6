import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Deleting a rule keeps its alerts: their rule becomes null and deleted_rule tells what it was."""

    dependencies = [("alerts", "0011_tls_expiry_rules")]

    operations = [
        migrations.AlterField(
            model_name="incident",
            name="rule",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="incidents",
                to="alerts.alertrule",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="deleted_rule",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
