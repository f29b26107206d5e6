from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "everyst_hub.ingest"
    label = "ingest"
