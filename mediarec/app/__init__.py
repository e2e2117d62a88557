"""The application layer that the command line and the desktop share.

`library` holds `Library` (one library database and its models); `items`, `shelf` and `setup` are the desktop's
operations on it, by what they serve; `indexing_process` is the indexing child process the desktop starts.
"""

from mediarec.app.library import Library, LibraryError

__all__ = ["Library", "LibraryError"]
