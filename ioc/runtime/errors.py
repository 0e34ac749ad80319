"""Errors about this machine rather than about the user's files: a program the command needs
is missing, or a server it talks to is not there. The CLI shows them as one line."""

from __future__ import annotations


class Unavailable(RuntimeError):
    """A component the command needs cannot be reached or started; the message says which,
    where, and what to do about it."""


# EX_TEMPFAIL: a supervisor restarts the worker, which starts afresh against the broker.
EXIT_BROKER_LOST = 75


class BrokerLost(RuntimeError):
    """The broker lost what the worker's state stands on (a restart on memory storage,
    topics deleted): the worker exits with EXIT_BROKER_LOST and one line."""
