from django.apps import AppConfig
from django.db.models.signals import pre_delete


class AlertsConfig(AppConfig):
    name = "everyst_hub.alerts"
    label = "alerts"

    def ready(self) -> None:
        from .models import AlertRule
        from .services import keep_history_of_deleted_rule

        # A signal rather than a step of delete_rule: deleting a host group or a network deletes
        # the rules scoped to it too, and their history must survive that as well.
        pre_delete.connect(keep_history_of_deleted_rule, sender=AlertRule, dispatch_uid="alerts.keep_history")
