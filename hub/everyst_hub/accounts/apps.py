from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "everyst_hub.accounts"
    label = "accounts"
