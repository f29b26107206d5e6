"""Everyst agent: collects this host's metrics and streams them to an Everyst hub over gRPC."""

__version__ = "0.1.0"
# The stream protocol this agent speaks (MAJOR, MINOR); a hub serves its own minor version and the
# one before (hub: everyst_hub/ingest/protocol.py). Raise the minor with every change to the proto.
PROTOCOL = (1, 1)
