"""The default "Agent dropping samples" rule: an agent whose spool overflowed lost history for
good, which its owner wants to hear of (a warning: the host itself may be fine). Its own migration,
like 0005: rows inserted with a schema change leave PostgreSQL trigger events pending."""

from django.db import migrations

NAME = "Agent dropping samples"


def add_default(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    if not AlertRule.objects.filter(builtin=True, source="agent_dropping").exists():
        AlertRule.objects.create(
            name=NAME,
            source="agent_dropping",
            metric="",
            comparison=">",
            threshold=0,
            for_seconds=0,
            # Resolved after five minutes without a new drop.
            clear_seconds=300,
            severity="warning",
            builtin=True,
        )


def remove_default(apps, schema_editor):
    apps.get_model("alerts", "AlertRule").objects.filter(builtin=True, source="agent_dropping").delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0008_agent_dropping_rules")]

    operations = [migrations.RunPython(add_default, remove_default)]
