import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The outgoing mail server saved from the dashboard (one row; null values: the environment's)."""

    dependencies = [
        ("alerts", "0012_incident_keeps_deleted_rule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MailSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("host", models.CharField(blank=True, max_length=253, null=True)),
                ("port", models.PositiveIntegerField(blank=True, null=True)),
                (
                    "security",
                    models.CharField(
                        blank=True,
                        choices=[("none", "none"), ("starttls", "STARTTLS"), ("tls", "implicit TLS")],
                        max_length=8,
                        null=True,
                    ),
                ),
                ("username", models.CharField(blank=True, max_length=254, null=True)),
                ("password", models.TextField(blank=True, null=True)),
                ("from_address", models.CharField(blank=True, max_length=320, null=True)),
                ("timeout_seconds", models.PositiveIntegerField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(blank=True, null=True)),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
