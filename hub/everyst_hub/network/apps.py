from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "everyst_hub.network"
    label = "network"
