"""Which failures stop the indexing job and which are one file's, and the user words for the latter.

A broken file (media.errors.MediaError, or what decoding a damaged file is known to raise) is recorded on the file in
user words (media.errors.user_reason); an unexpected exception is recorded as UNEXPECTED with its traceback logged.
An error of the environment (a model that cannot be loaded, the library's disk full or read-only, a bad config)
stops the job: the file in flight and the rest stay pending.
"""

from __future__ import annotations

import errno
import logging

from mediarec.config import ConfigError
from mediarec.errors import MediarecError
from mediarec.index.records import ItemRecord
from mediarec.index.sqlite_driver import StorageError
from mediarec.media.errors import CANNOT_WRITE, MISSING_TOOL, MediaError, user_reason
from mediarec.models.base import ModelError
from mediarec.scan.paths import display_text

_log = logging.getLogger(__name__)
_log.addHandler(logging.NullHandler())  # the command line adds its error log; elsewhere nothing is printed
UNEXPECTED = "unexpected error (see the log)"
# Errors of the environment, not of one file, stop the job: the models, the library's storage (disk full, read-only,
# another index run), the config, and any other error written for the user but a MediaError.
_ENVIRONMENT_ERRORS = (ModelError, StorageError, ConfigError, MediarecError)
# OS errors of the machine, not of one file: the job stops on them.
_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.ENOMEM})


def stops_the_job(error: BaseException) -> bool:
    """An error of the environment, not of one file: a model (ModelError), the library's storage (StorageError:
    disk full, read-only, IndexerBusy), the config, a thumbnail folder that cannot be written, a full disk."""
    if isinstance(error, MediaError):
        return error.problem in (CANNOT_WRITE, MISSING_TOOL)
    if isinstance(error, _ENVIRONMENT_ERRORS):
        return True
    return isinstance(error, OSError) and error.errno in _ENVIRONMENT_ERRNOS


def failure_reason(item: ItemRecord, error: Exception, *, known: bool) -> str:
    """The user words for one file's failure; anything else is a bug, logged with its traceback."""
    reason = user_reason(error) if known else None
    if reason is None:
        _log.error("unexpected error indexing %s", display_text(item.path), exc_info=error)
        return UNEXPECTED
    if not isinstance(
        error, MediaError
    ):  # a decoder's internal exception: the words are a guess, keep the trace
        _log.warning("%s: %s", display_text(item.path), reason, exc_info=error)
    return reason
