"""The library database: every SQL statement of mediarec lives in this package.

`LibraryStore` is the one object callers hold. It is assembled from a generic database layer (database.py:
connections, transactions, meta) and one mixin per subject, each in its own module:

    items.py    folders, items, an item's segments, shots and transcript
    vectors.py  vector spaces (sqlite-vec tables) and reading vectors back
    tags.py     tags and the full-text index
    history.py  plays and feedback
    impressions.py  what the "For you" shelf showed (for its own statistics)
    writer.py   writing, invalidating and failing one indexed file (the only multi-subject transactions)
"""

from __future__ import annotations

from mediarec.index.history import HistoryMixin
from mediarec.index.impressions import ImpressionsMixin
from mediarec.index.items import ItemsMixin
from mediarec.index.tags import TagsMixin
from mediarec.index.vectors import VectorsMixin
from mediarec.index.writer import WriterMixin


# The order is the method resolution order the mixins' own bases require (the writer builds on vectors and tags,
# history on items); no two mixins define the same method, so it decides nothing else.
class LibraryStore(WriterMixin, HistoryMixin, ImpressionsMixin, ItemsMixin, VectorsMixin, TagsMixin):
    pass
