"""Benchmarks (`make bench`): real hub, agent and peer processes measured side by side."""
