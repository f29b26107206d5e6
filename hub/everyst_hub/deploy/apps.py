from django.apps import AppConfig


class DeployConfig(AppConfig):
    name = "everyst_hub.deploy"
    label = "deploy"
