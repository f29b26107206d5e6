from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "everyst_hub.realtime"
    label = "realtime"
