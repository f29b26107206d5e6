"""Serializer fields for ids and times, with the bounds of core/params.py: an unbounded
IntegerField lets a 10^23 through to the database, which cannot hold it."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .params import MAX_ID, MAX_UNIX_MS


class IdField(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class UnixMsField(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "unix ms")
        super().__init__(min_value=0, max_value=MAX_UNIX_MS, **kwargs)
