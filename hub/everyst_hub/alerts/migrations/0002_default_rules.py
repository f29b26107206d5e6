"""The rules a fresh install starts with: ordinary rows (builtin=True), editable and disable-able."""

from django.db import migrations

DEFAULT_RULES = [
    # name, source, metric, threshold, for_seconds, clear_threshold, severity
    ("Host offline", "host_offline", "", 60, 0, None, "critical"),
    ("Disk above 90 %", "metric", "disk.percent", 90, 300, 85, "warning"),
    ("Inodes above 90 %", "metric", "disk.inodes_percent", 90, 300, 85, "warning"),
    ("Memory above 90 %", "metric", "memory.percent", 90, 300, 85, "warning"),
    ("CPU above 95 %", "metric", "cpu.percent", 95, 600, 90, "warning"),
    ("Failed systemd unit", "metric", "systemd.failed_units", 0, 0, None, "warning"),
]


def add_defaults(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for name, source, metric, threshold, for_seconds, clear, severity in DEFAULT_RULES:
        AlertRule.objects.create(
            name=name,
            source=source,
            metric=metric,
            comparison=">",
            threshold=threshold,
            for_seconds=for_seconds,
            clear_threshold=clear,
            severity=severity,
            builtin=True,
        )


def remove_defaults(apps, schema_editor):
    apps.get_model("alerts", "AlertRule").objects.filter(builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
