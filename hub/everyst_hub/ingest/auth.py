"""The gRPC auth interceptor: every agent RPC but Enroll needs a valid, unrevoked agent
credential in its metadata, checked before any handler runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from asgiref.sync import sync_to_async

from everyst_hub.core.errors import EverystError
from everyst_hub.inventory.enrollment import authenticate_agent

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
            await sync_to_async(authenticate_agent)(*credentials(handler_call_details.invocation_metadata))
        except EverystError as exc:
            return _refusal(grpc.StatusCode[exc.grpc_status], exc.message)
        return await continuation(handler_call_details)


def _refusal(code: grpc.StatusCode, message: str) -> grpc.RpcMethodHandler:
    async def refuse(request_iterator: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(code, message)

    return grpc.stream_stream_rpc_method_handler(refuse)
