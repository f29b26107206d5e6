"""Everyst agent: collects this host's metrics and streams them to an Everyst hub over gRPC."""

__version__ = "0.1.0"
