"""The alerts app as it is (squashes 0001-0013; release 0.1.0 had no alerts app, so databases
have either all of them or none) and the rules a fresh install starts with."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The rules a fresh install starts with: ordinary rows (builtin=True), editable and disable-able.
# Fields not given take the field defaults below (source "metric", comparison ">", severity
# "warning", no durations, no clear threshold).
DEFAULT_RULES = [
    {"name": "Host offline", "source": "host_offline", "threshold": 60, "severity": "critical"},
    {"name": "Disk above 90 %", "metric": "disk.percent", "threshold": 90, "for_seconds": 300, "clear_threshold": 85},
    {"name": "Inodes above 90 %", "metric": "disk.inodes_percent", "threshold": 90, "for_seconds": 300, "clear_threshold": 85},
    {"name": "Memory above 90 %", "metric": "memory.percent", "threshold": 90, "for_seconds": 300, "clear_threshold": 85},
    {"name": "CPU above 95 %", "metric": "cpu.percent", "threshold": 95, "for_seconds": 600, "clear_threshold": 90},
    {"name": "Failed systemd unit", "metric": "systemd.failed_units", "threshold": 0},
    {"name": "New device on a watched network", "source": "network_event", "metric": "device_new", "threshold": 0},
    # An agent whose spool overflowed lost history for good, which its owner wants to hear of (a
    # warning: the host itself may be fine); resolved after five minutes without a new drop.
    {"name": "Agent dropping samples", "source": "agent_dropping", "threshold": 0, "clear_seconds": 300},
]


def add_default_rules(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for fields in DEFAULT_RULES:
        AlertRule.objects.create(builtin=True, **fields)


class Migration(migrations.Migration):

    replaces = [
        ('alerts', '0002_default_rules'),
        ('alerts', '0003_network_event_rules'),
        ('alerts', '0004_notification_preferences'),
        ('alerts', '0005_default_network_event_rule'),
        ('alerts', '0006_incident_pending_event'),
        ('alerts', '0007_host_event_rules'),
        ('alerts', '0008_agent_dropping_rules'),
        ('alerts', '0009_default_agent_dropping_rule'),
        ('alerts', '0010_job_failed_rules'),
        ('alerts', '0011_tls_expiry_rules'),
        ('alerts', '0012_incident_keeps_deleted_rule'),
        ('alerts', '0013_mail_settings'),
    ]

    initial = True

    dependencies = [
        ('inventory', '0001_initial'),
        ('network', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AlertRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('source', models.CharField(choices=[('metric', 'Metric'), ('host_offline', 'Host Offline'), ('network_event', 'Network Event'), ('host_event', 'Host Event'), ('agent_dropping', 'Agent Dropping'), ('job_failed', 'Job Failed'), ('tls_expiry', 'Tls Expiry')], default='metric', max_length=16)),
                ('metric', models.CharField(blank=True, max_length=64)),
                ('match', models.CharField(blank=True, max_length=200)),
                ('exclude', models.JSONField(blank=True, default=list, help_text='patterns of series keys to skip')),
                ('comparison', models.CharField(choices=[('>', 'Gt'), ('>=', 'Gte'), ('<', 'Lt'), ('<=', 'Lte')], default='>', max_length=2)),
                ('threshold', models.FloatField()),
                ('for_seconds', models.PositiveIntegerField(default=0)),
                ('clear_threshold', models.FloatField(blank=True, null=True)),
                ('clear_seconds', models.PositiveIntegerField(default=0)),
                ('severity', models.CharField(choices=[('warning', 'Warning'), ('critical', 'Critical')], default='warning', max_length=16)),
                ('repeat_minutes', models.PositiveIntegerField(default=0)),
                ('enabled', models.BooleanField(default=True)),
                ('builtin', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('group', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_rules', to='inventory.hostgroup')),
                ('host', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_rules', to='inventory.host')),
                ('network', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_rules', to='network.network')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='Incident',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('series', models.CharField(blank=True, max_length=200)),
                ('state', models.CharField(choices=[('firing', 'Firing'), ('resolved', 'Resolved')], default='firing', max_length=16)),
                ('severity', models.CharField(choices=[('warning', 'Warning'), ('critical', 'Critical')], max_length=16)),
                ('started_at', models.DateTimeField(db_index=True)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('peak_value', models.FloatField()),
                ('last_value', models.FloatField()),
                ('last_notified_at', models.DateTimeField(blank=True, null=True)),
                ('silenced', models.BooleanField(default=False)),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('host', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='incidents', to='inventory.host')),
                ('rule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='incidents', to='alerts.alertrule')),
                ('pending_event', models.CharField(blank=True, default='', max_length=16)),
                ('pending_since', models.DateTimeField(blank=True, null=True)),
                ('deleted_rule', models.JSONField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-started_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event', models.CharField(max_length=16)),
                ('severity', models.CharField(choices=[('warning', 'Warning'), ('critical', 'Critical')], max_length=16)),
                ('title', models.CharField(max_length=300)),
                ('body', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('read_at', models.DateTimeField(blank=True, null=True)),
                ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='alerts.incident')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='NotificationChannel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True)),
                ('kind', models.CharField(choices=[('email', 'Email'), ('webhook', 'Webhook'), ('apprise', 'Apprise')], max_length=16)),
                ('config', models.JSONField(blank=True, default=dict)),
                ('secret', models.TextField(blank=True)),
                ('min_severity', models.CharField(choices=[('warning', 'Warning'), ('critical', 'Critical')], default='warning', max_length=16)),
                ('enabled', models.BooleanField(default=True)),
                ('last_sent_at', models.DateTimeField(blank=True, null=True)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('lease_token', models.CharField(blank=True, max_length=32)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('groups', models.ManyToManyField(blank=True, related_name='+', to='inventory.hostgroup')),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='OutboxItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('payload', models.JSONField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField()),
                ('delivered_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('claim_token', models.CharField(blank=True, max_length=32)),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outbox', to='alerts.notificationchannel')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='Silence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('label', models.CharField(blank=True, help_text='shell pattern on the series key', max_length=200)),
                ('starts_at', models.DateTimeField()),
                ('ends_at', models.DateTimeField(db_index=True)),
                ('comment', models.CharField(blank=True, max_length=500)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('group', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='inventory.hostgroup')),
                ('host', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='inventory.host')),
                ('rule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='alerts.alertrule')),
            ],
            options={
                'ordering': ['-starts_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('min_severity', models.CharField(choices=[('warning', 'Warning'), ('critical', 'Critical')], default='warning', max_length=16)),
                ('toasts', models.BooleanField(default=True)),
                ('email', models.BooleanField(default=False)),
                ('quiet_start', models.TimeField(blank=True, null=True)),
                ('quiet_end', models.TimeField(blank=True, null=True)),
                ('timezone', models.CharField(default='UTC', max_length=64)),
                ('channel', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='personal_of', to='alerts.notificationchannel')),
                ('groups', models.ManyToManyField(blank=True, related_name='+', to='inventory.hostgroup')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preference', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='MailSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('host', models.CharField(blank=True, max_length=253, null=True)),
                ('port', models.PositiveIntegerField(blank=True, null=True)),
                ('security', models.CharField(blank=True, choices=[('none', 'none'), ('starttls', 'STARTTLS'), ('tls', 'implicit TLS')], max_length=8, null=True)),
                ('username', models.CharField(blank=True, max_length=254, null=True)),
                ('password', models.TextField(blank=True, null=True)),
                ('from_address', models.CharField(blank=True, max_length=320, null=True)),
                ('timeout_seconds', models.PositiveIntegerField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(blank=True, null=True)),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.UniqueConstraint(condition=models.Q(('ended_at__isnull', True)), fields=('rule', 'host', 'series'), name='one_open_incident_per_rule_host_series'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['user', 'read_at'], name='notification_user_unread'),
        ),
        migrations.AddIndex(
            model_name='outboxitem',
            index=models.Index(fields=['channel', 'delivered_at', 'id'], name='outbox_pending'),
        ),
        migrations.RunPython(add_default_rules, migrations.RunPython.noop),
    ]
