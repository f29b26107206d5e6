"""The gRPC auth interceptor: every agent RPC but Enroll needs a valid, unrevoked agent
credential in its metadata, checked before any handler runs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from asgiref.sync import sync_to_async
from django.db import DatabaseError, close_old_connections

from everyst_hub.core.errors import EverystError
from everyst_hub.inventory.enrollment import authenticate_agent

logger = logging.getLogger(__name__)

# Enroll's credential is the enrollment token in its request body.
OPEN_METHODS = frozenset({"/everyst.agent.v1.AgentService/Enroll"})


def credentials(metadata: Any) -> tuple[str, str]:
    values = {key: value for key, value in (metadata or ()) if isinstance(value, str)}
    return values.get("x-everyst-agent-id", ""), values.get("x-everyst-agent-secret", "")


class AgentAuthInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        if handler_call_details.method in OPEN_METHODS:
            return await continuation(handler_call_details)
        try:
            await sync_to_async(_authenticate)(*credentials(handler_call_details.invocation_metadata))
        except EverystError as exc:
            return _refusal(grpc.StatusCode[exc.grpc_status], exc.message)
        except DatabaseError as exc:
            # PostgreSQL restarting, or a connection it dropped: the agent retries (its spool keeps
            # the data meanwhile). Without this the error escaped grpc as UNKNOWN, carrying the
            # database's address to the agent, with a traceback per attempt in the hub's log.
            logger.warning("agent stream refused while the database is unavailable: %s", str(exc).strip())
            return _refusal(grpc.StatusCode.UNAVAILABLE, "the hub cannot reach its database; retry")
        return await continuation(handler_call_details)


def _authenticate(agent_id: str, secret: str) -> None:
    try:
        authenticate_agent(agent_id, secret)
    except DatabaseError:
        close_old_connections()  # a broken connection is not used again: the next one reconnects
        raise


def _refusal(code: grpc.StatusCode, message: str) -> grpc.RpcMethodHandler:
    async def refuse(request_iterator: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(code, message)

    return grpc.stream_stream_rpc_method_handler(refuse)
