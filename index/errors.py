"""One error type for every input problem, so every surface can print one line and exit 2."""


class InputError(Exception):
    """A problem with what the user gave us (file, settings, server); the message is shown as is."""


class StoreError(Exception):
    """The vector store (a Chroma server, usually) failed or went away; retrying later may work."""
