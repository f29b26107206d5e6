from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("alerts", "0007_host_event_rules")]

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
                ],
                default="metric",
                max_length=16,
            ),
        ),
    ]
