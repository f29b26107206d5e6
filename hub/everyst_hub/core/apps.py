from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "everyst_hub.core"
    label = "core"
