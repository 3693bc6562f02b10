"""The exception library code raises for an unusable setting, file or resource."""

from __future__ import annotations


class SetupError(ValueError):
    """Something a command needs cannot be used (a device, a checkpoint, a body model,
    an optional dependency). The message is one line naming the flag, key or file; the
    command lines print it as ``error: <message>`` and exit with status 1."""
