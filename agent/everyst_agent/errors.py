"""The agent's error types: each carries a short code and a message meant for the admin."""


class AgentError(Exception):
    """Base of every error the agent reports to its admin instead of a traceback."""

    code = "agent_error"


class ConfigError(AgentError):
    code = "config"


class TrustError(AgentError):
    """The hub's CA certificate is missing, unreadable or does not match its pinned fingerprint."""

    code = "trust"


class EnrollError(AgentError):
    code = "enroll"

    def __init__(self, message: str, retryable: bool = False) -> None:
        super().__init__(message)
        # True when the hub could not be reached, as opposed to refusing the token.
        self.retryable = retryable


class NotEnrolledError(AgentError):
    code = "not_enrolled"
