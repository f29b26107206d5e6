from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "everyst_hub.alerts"
    label = "alerts"
