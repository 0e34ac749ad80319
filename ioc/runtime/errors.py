"""Errors about this machine rather than about the user's files: a program the command needs
is missing, or a server it talks to is not there. The CLI shows them as one line."""

from __future__ import annotations


class Unavailable(RuntimeError):
    """A component the command needs cannot be reached or started; the message says which,
    where, and what to do about it."""
