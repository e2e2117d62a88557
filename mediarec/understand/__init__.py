"""Understanding what an item shows, sounds like and talks about: tags from every source, and chapters.

Everything here works on what indexing already computed (keyframe vectors, audio event scores, the
transcript, container metadata), so tagging adds little to the cost of indexing. Importing this package is
cheap; models and scikit-learn load only when used.
"""
