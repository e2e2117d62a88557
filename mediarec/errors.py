"""The one base of every error whose message is written for the user.

Each layer raises its own subclass (StorageError, ModelError, MediaError, LibraryError, ...) with a message that
says what went wrong and what to do; a boundary (a CLI command, a desktop task) catches ``MediarecError`` once
and shows the message as it is. Anything else reaching a boundary is a bug, reported as one.
"""


class MediarecError(Exception):
    """An error whose text is ready to show to the user."""

    # The command line's exit status for it: 1 for "could not do it", 2 for bad input (as argparse uses).
    exit_code = 1
