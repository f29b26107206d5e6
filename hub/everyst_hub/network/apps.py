from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "everyst_hub.network"
    label = "network"

    def ready(self) -> None:
        from everyst_hub.tools.services import on_job_finished

        from .scans import apply_scan

        # A finished discover, port_scan or services job updates the inventory of the networks it scanned.
        on_job_finished(apply_scan)
