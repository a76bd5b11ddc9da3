"""Errors the core raises with messages written for the person running the tool."""


class CertifierError(Exception):
    """Base class: the message is shown to the user as it is."""


class PackageRejected(CertifierError):
    """The course package is unsafe or unreadable; no probe may look inside it.

    ``reason`` is a stable short code (e.g. ``path-traversal``) that becomes part of the
    blocker finding, ``member`` the offending entry when there is one.
    """

    def __init__(self, reason: str, message: str, member: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.member = member


class MachineError(CertifierError):
    """This machine cannot do its part (no space or no permission in its temporary folder): a run
    error that says what the machine lacks, never a verdict on the course."""


class ProfileError(CertifierError):
    """A policy profile is missing, malformed or holds a value of the wrong kind."""


class Cancelled(CertifierError):
    """The user cancelled the run (or the probe's time ran out) while a probe was working."""
