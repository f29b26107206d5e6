from django.apps import AppConfig


class ToolsConfig(AppConfig):
    name = "everyst_hub.tools"
    label = "tools"
