"""Forgetting one item's indexed text (what re-indexing a file does first): by item_id against by rowid range.

text_fts is an FTS5 table whose item_id column is UNINDEXED, so `DELETE ... WHERE item_id = ?` reads every row:
writing each file cost time in proportion to the library. Since migration 0005 an item's rows have rowids in
[item_id << 20, (item_id + 1) << 20) (index.tags.item_text_rowids), which FTS5 seeks. Both run here on one table.

    .venv/bin/python benchmarks/bench_text_index.py [--items 100000] [--rows-per-item 3] [--deletes 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

from mediarec.index.sqlite_driver import find_driver
from mediarec.index.tags import item_text_rowids

SCHEMA = (
    "CREATE VIRTUAL TABLE text_fts USING fts5(body, item_id UNINDEXED, segment_id UNINDEXED, field UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)


def build(connection, items: int, rows_per_item: int) -> None:
    connection.execute("BEGIN")
    for item_id in range(1, items + 1):
        first, _ = item_text_rowids(item_id)
        for row in range(rows_per_item):
            connection.execute(
                "INSERT INTO text_fts(rowid, body, item_id, segment_id, field) VALUES (?, ?, ?, NULL, 'speech')",
                (first + row, f"the words of item {item_id}, line {row}", item_id),
            )
    connection.execute("COMMIT")


def per_delete_ms(connection, sql: str, parameters: list[tuple]) -> float:
    started = time.perf_counter()
    for values in parameters:
        connection.execute(sql, values)
    return 1000 * (time.perf_counter() - started) / len(parameters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rows-per-item", type=int, default=3)
    parser.add_argument("--deletes", type=int, default=100)
    args = parser.parse_args()
    connection = find_driver().module.connect(":memory:")
    connection.execute(SCHEMA)
    build(connection, args.items, args.rows_per_item)
    step = max(1, args.items // (2 * args.deletes))
    by_item = [(item_id,) for item_id in range(1, args.items + 1, step)][: args.deletes]
    by_range = [item_text_rowids(item_id) for item_id in range(2, args.items + 1, step)][: args.deletes]
    item_id_ms = per_delete_ms(connection, "DELETE FROM text_fts WHERE item_id = ?", by_item)
    range_ms = per_delete_ms(connection, "DELETE FROM text_fts WHERE rowid BETWEEN ? AND ?", by_range)
    print(
        json.dumps(
            {
                "rows": args.items * args.rows_per_item,
                "deletes": len(by_item),
                "by_item_id_ms": round(item_id_ms, 3),
                "by_rowid_range_ms": round(range_ms, 3),
                "speedup": round(item_id_ms / range_ms, 1),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            }
        )
    )


if __name__ == "__main__":
    main()
