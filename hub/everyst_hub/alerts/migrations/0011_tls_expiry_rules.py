from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("alerts", "0010_job_failed_rules")]

    operations = [
        migrations.AlterField(
            model_name="alertrule",
            name="source",
            field=models.CharField(
                choices=[
                    ("metric", "Metric"),
                    ("host_offline", "Host Offline"),
                    ("network_event", "Network Event"),
                    ("host_event", "Host Event"),
                    ("agent_dropping", "Agent Dropping"),
                    ("job_failed", "Job Failed"),
                    ("tls_expiry", "Tls Expiry"),
                ],
                default="metric",
                max_length=16,
            ),
        ),
    ]
