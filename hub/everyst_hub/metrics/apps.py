from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "everyst_hub.metrics"
    label = "metrics"
