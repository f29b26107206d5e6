"""Answers of the inventory API (the REST contract's source)."""

from __future__ import annotations

from rest_framework import serializers


class HostGroupSerializer(serializers.Serializer):
    """A host group as other answers refer to it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
