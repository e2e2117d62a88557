"""The library database: SQLite + sqlite-vec + FTS5. All SQL of mediarec lives here."""
