from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("alerts", "0009_default_agent_dropping_rule")]

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
                ],
                default="metric",
                max_length=16,
            ),
        ),
    ]
