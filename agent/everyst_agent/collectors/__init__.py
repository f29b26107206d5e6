"""Metric collectors: one module per concern, each filling its part of an `agent_pb2.Sample`."""

from everyst_agent.collectors.facts import collect_facts
from everyst_agent.collectors.sampler import Sampler

__all__ = ["Sampler", "collect_facts"]
