"""Search, fusion and similarity over the indexed library.

Words used here: *fusion* is combining an item's modalities (what it looks like, says and sounds like) into one
vector (item_vector.py) or one similarity (fusion_scoring.py, whose "gated" variant is the modality gate that
gate_training.py fits from feedback); *rank fusion* is merging ranked result lists (rank_fusion.py, used by search).
"""
