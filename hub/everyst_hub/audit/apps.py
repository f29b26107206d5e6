from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "everyst_hub.audit"
    label = "audit"
