"""Search, fusion and similarity over the indexed library."""
