from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from everyst_hub.core.runner import HubRunner


class Command(BaseCommand):
    help = "Run the hub: HTTP, WebSocket and gRPC ingest in one process and one event loop."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--http-host", default=settings.HTTP_HOST)
        parser.add_argument("--http-port", type=int, default=settings.HTTP_PORT)
        parser.add_argument("--grpc-host", default=settings.GRPC_HOST)
        parser.add_argument("--grpc-port", type=int, default=settings.GRPC_PORT)
        parser.add_argument(
            "--local-agent",
            action="store_true",
            help="also run an agent for this machine, enrolled automatically",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        HubRunner(
            http_host=options["http_host"],
            http_port=options["http_port"],
            grpc_host=options["grpc_host"],
            grpc_port=options["grpc_port"],
            local_agent=options["local_agent"],
        ).run()
