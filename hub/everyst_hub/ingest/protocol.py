"""The agent stream protocol version the hub speaks, and which agents it serves.

A minor version adds fields an older peer ignores; a major version changes meaning. The hub serves
its own minor version and the one before it, so agents can be upgraded after the hub, one minor
release behind. A newer agent (its hub must be upgraded first) or an older one is refused before
it touches anything, with a message that says which side to upgrade.

The agent package keeps its own number (everyst_agent.PROTOCOL): the two are released together,
but a running agent may be older or newer than its hub.
"""

from __future__ import annotations

from dataclasses import dataclass

from everyst_hub.core.errors import EverystError

# 1.0: release 0.1.0 (its Hello carries no version). 1.1 (the next release): Hello carries the
# protocol, the agent's release, its ack window and ack timeout; Welcome the hub's ack delay.
# Raise the minor with every change to the proto after a release, here and in everyst_agent.
PROTOCOL = (1, 1)


class IncompatibleAgent(EverystError):
    code = "incompatible_agent"
    grpc_status = "FAILED_PRECONDITION"
    http_status = 409


@dataclass(frozen=True)
class AgentProtocol:
    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


def agent_protocol(major: int, minor: int) -> AgentProtocol:
    """The version a Hello declares; a Hello without one (major 0) is from release 0.1.0: 1.0."""
    return AgentProtocol(1, 0) if major == 0 else AgentProtocol(major, minor)


def check_agent_protocol(version: AgentProtocol, agent_release: str = "") -> None:
    """Raise IncompatibleAgent unless this hub serves agents of `version`."""
    major, minor = PROTOCOL
    ours = f"{major}.{minor}"
    release = f" (agent {agent_release[:32]})" if agent_release else ""
    if (version.major, version.minor) > PROTOCOL:
        raise IncompatibleAgent(
            f"agent protocol {version}{release} is newer than this hub's {ours}: upgrade the hub"
        )
    if version.major != major or version.minor < minor - 1:
        oldest = f"{major}.{max(minor - 1, 0)}"
        raise IncompatibleAgent(
            f"agent protocol {version}{release} is too old for this hub's {ours} "
            f"(it serves {oldest} to {ours}): upgrade the agent"
        )
