"""mediarec: an offline media library that understands what it indexes."""

__version__ = "0.1.0"
