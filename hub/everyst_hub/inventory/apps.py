from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "everyst_hub.inventory"
    label = "inventory"
