"""The indexing job that turns files into vectors, transcripts and tags."""
