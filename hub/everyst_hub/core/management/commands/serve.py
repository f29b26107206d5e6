from __future__ import annotations

import argparse
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from everyst_hub.core import workers
from everyst_hub.core.runner import HubRunner, WorkerSockets


class Command(BaseCommand):
    help = (
        "Run the hub: HTTP, WebSocket and gRPC ingest in one process and one event loop, or in N "
        "worker processes on PostgreSQL + Redis (--workers)."
    )

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
        parser.add_argument(
            "--workers",
            default=settings.HUB_WORKERS,
            help="hub processes sharing the HTTP and gRPC ports: a number, or auto for one per core "
            "(default: EVERYST_HUB_WORKERS, else 1). More than 1 needs PostgreSQL and Redis.",
        )
        # How the supervisor of --workers starts each worker (core/workers.py); not for people.
        parser.add_argument("--worker-index", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--worker-http-fd", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--worker-ready-fd", type=int, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["worker_index"] is not None:
            self._run_worker(options)
            return
        count = workers.worker_count(options["workers"])
        workers.refuse_unshared_state(count)
        if count > 1:
            sys.exit(
                workers.Supervisor(
                    count=count,
                    http_host=options["http_host"],
                    http_port=options["http_port"],
                    grpc_host=options["grpc_host"],
                    grpc_port=options["grpc_port"],
                    local_agent=options["local_agent"],
                ).run()
            )
        runner = HubRunner(
            http_host=options["http_host"],
            http_port=options["http_port"],
            grpc_host=options["grpc_host"],
            grpc_port=options["grpc_port"],
            local_agent=options["local_agent"],
        )
        runner.run()
        if runner.failed:
            raise CommandError("the hub could not start: see the error above")

    def _run_worker(self, options: dict[str, Any]) -> None:
        if not workers.follow_supervisor():
            return
        runner = HubRunner(
            http_host=options["http_host"],
            http_port=options["http_port"],
            grpc_host=options["grpc_host"],
            grpc_port=options["grpc_port"],
            local_agent=False,
            worker=WorkerSockets(
                index=options["worker_index"],
                http_fd=options["worker_http_fd"],
                ready_fd=options["worker_ready_fd"],
            ),
        )
        runner.run()
        if runner.failed:
            raise CommandError(f"worker {options['worker_index']} could not start: see the error above")
