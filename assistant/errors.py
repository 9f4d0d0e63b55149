"""Errors every surface knows how to show: InputError (the user's to fix, exit 2 / HTTP 400) and
BackendError (the generator is unavailable, exit 2 / HTTP 503)."""

from index import InputError

__all__ = ["BackendError", "InputError"]


class BackendError(Exception):
    """The model or model server cannot answer now; the message says what to do."""
