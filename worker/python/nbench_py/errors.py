"""The ways a provider refuses an attempt before measuring, each mapping to a row status.

Owns only the exception types and their stable reasons; the attempt turns them into rows.
"""


class Refused(Exception):
    """Base: status, stable reason and a one-line lowercase message."""

    status = "error"
    reason = None

    def __init__(self, message, reason=None):
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class NotImplementedForProvider(Refused):
    """The provider has no implementation of this probe (status skipped)."""

    status = "skipped"
    reason = "not_implemented_for_provider"


class Skipped(Refused):
    """The implementation cannot run here, e.g. scipy missing (status skipped)."""

    status = "skipped"


class EnvFailed(Refused):
    """The environment cannot run the attempt, e.g. no cuda device (status env_failed)."""

    status = "env_failed"


class EnvMissing(EnvFailed):
    """The framework itself is missing (status env_failed)."""

    reason = "provider_env_missing"
