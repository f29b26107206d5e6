"""Host groups REST adapter: every user lists the groups they may see; owners and admins create,
rename, delete them and set their hosts. Access changes reach open sockets through the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from everyst_hub.audit.services import client_ip
from everyst_hub.core.permissions import IsAdmin
from everyst_hub.core.views import validated

from . import groups
from .models import HostGroup
from .serializers import HostGroupDetailSerializer


def _answer(request: Request, group: HostGroup, status: int = 200) -> Response:
    """The group as the acting admin sees it in the list."""
    (entry,) = groups.visible_host_groups(request.user, only=group.id)
    return Response(HostGroupDetailSerializer(entry).data, status=status)


class HostGroupCreateSerializer(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class HostGroupUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, min_length=1, max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class HostGroupHostsSerializer(serializers.Serializer):
    host_ids = serializers.ListField(child=serializers.CharField(max_length=64), max_length=100_000)


class HostGroupListView(APIView):
    def get_permissions(self) -> list[Any]:
        return [IsAdmin()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(operation_id="v1_host_groups_list", responses=HostGroupDetailSerializer(many=True))
    def get(self, request: Request) -> Response:
        visible = groups.visible_host_groups(request.user)
        return Response(HostGroupDetailSerializer(visible, many=True).data)

    @extend_schema(request=HostGroupCreateSerializer, responses={201: HostGroupDetailSerializer})
    def post(self, request: Request) -> Response:
        body = validated(HostGroupCreateSerializer, request.data)
        group = groups.create_host_group(request.user, ip=client_ip(request), **body)
        return _answer(request, group, status=201)


class HostGroupDetailView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=HostGroupUpdateSerializer, responses=HostGroupDetailSerializer)
    def patch(self, request: Request, group_id: int) -> Response:
        body = validated(HostGroupUpdateSerializer, request.data)
        group = groups.update_host_group(request.user, group_id, body, client_ip(request))
        return _answer(request, group)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, group_id: int) -> Response:
        groups.delete_host_group(request.user, group_id, client_ip(request))
        return Response(status=204)


class HostGroupHostsView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=HostGroupHostsSerializer, responses=HostGroupDetailSerializer)
    def put(self, request: Request, group_id: int) -> Response:
        body = validated(HostGroupHostsSerializer, request.data)
        group = groups.set_group_hosts(request.user, group_id, body["host_ids"], client_ip(request))
        return _answer(request, group)
