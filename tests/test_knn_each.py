"""ItemMatrix.knn_each (For you's interests looked up in one read of the sketch) gives, for each query, what knn
gives that query alone, bit for bit: the same items, the same order, the same cosines, duplicates (ties in the
sketch's scores) included; and where the chunked product is not known to agree (BLAS on more threads), it is
knn itself."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from mediarec.index.records import VectorSpace
from mediarec.rank import blas_threads, item_matrix
from mediarec.rank.item_matrix import ROUGH_CHUNK_ROWS, SKETCH_DIM, ItemMatrix, _projection


def clustered_matrix(size: int, dim: int, seed: int = 0) -> ItemMatrix:
    """Unit vectors around 12 directions, a tenth of them exact copies of another row (as copied files are)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((12, dim))
    vectors = centres[rng.integers(0, 12, size)] + 0.6 * rng.standard_normal((size, dim))
    copies = rng.choice(size, size // 10, replace=False)
    vectors[copies] = vectors[rng.choice(size, size // 10)]
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    projection = _projection(dim)
    space = VectorSpace(1, "item", "test-item-space", dim, "vec_items_test")
    return ItemMatrix(space, (1, 0), np.arange(1, size + 1), vectors, vectors @ projection, projection, None)


@pytest.fixture()
def one_blas_thread(monkeypatch):
    with threadpool_limits(limits=1, user_api="blas"):
        monkeypatch.setattr(blas_threads, "_one_thread", True)
        item_matrix.chunked_products_agree.cache_clear()
        yield
    item_matrix.chunked_products_agree.cache_clear()


def test_each_query_gets_what_knn_gives_it_alone(one_blas_thread):
    assert item_matrix.chunked_products_agree()  # else knn_each is knn, and this test would prove nothing
    matrix = clustered_matrix(5 * ROUGH_CHUNK_ROWS + 333, 384)
    rng = np.random.default_rng(1)
    queries = matrix.vectors[rng.choice(matrix.size, 5)] + 0.05 * rng.standard_normal((5, 384)).astype(
        np.float32
    )
    for k in (10, 100, 250):
        assert matrix.knn_each(queries, k) == [matrix.knn(query, k) for query in queries]
    assert matrix.sketch.shape[1] == SKETCH_DIM


def test_on_more_threads_it_is_knn_itself(monkeypatch):
    monkeypatch.setattr(blas_threads, "_one_thread", False)
    item_matrix.chunked_products_agree.cache_clear()
    try:
        assert not item_matrix.chunked_products_agree()
        matrix = clustered_matrix(3000, 64, seed=2)
        queries = matrix.vectors[:3]
        assert matrix.knn_each(queries, 20) == [matrix.knn(query, 20) for query in queries]
    finally:
        item_matrix.chunked_products_agree.cache_clear()
