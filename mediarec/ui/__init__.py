"""The desktop app (PySide6). The only package of mediarec that imports Qt."""
