"""The default "New device on a watched network" rule. Its own migration: on PostgreSQL, rows
inserted in the migration that adds a foreign key leave trigger events that block the index."""

from django.db import migrations

NAME = "New device on a watched network"


def add_default(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    # A development database may have it from an earlier form of migration 0003.
    if not AlertRule.objects.filter(builtin=True, source="network_event", metric="device_new").exists():
        AlertRule.objects.create(
            name=NAME,
            source="network_event",
            metric="device_new",
            comparison=">",
            threshold=0,
            severity="warning",
            builtin=True,
        )


def remove_default(apps, schema_editor):
    apps.get_model("alerts", "AlertRule").objects.filter(builtin=True, source="network_event").delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0004_notification_preferences")]

    operations = [migrations.RunPython(add_default, remove_default)]
