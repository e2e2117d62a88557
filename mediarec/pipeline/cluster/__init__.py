"""Indexing on a Ray cluster (`mediarec index --cluster ADDRESS|local[N]`): the local pipeline's stages on workers,
the head the only writer of the library. Ray is imported only when a job starts (connection.import_ray)."""

from mediarec.pipeline.cluster.connection import (
    ClusterAddress,
    ClusterError,
    WorkerPlan,
    parse_cluster_address,
    plan_workers,
)
from mediarec.pipeline.cluster.job import ClusterIndexer

__all__ = [
    "ClusterAddress",
    "ClusterError",
    "ClusterIndexer",
    "WorkerPlan",
    "parse_cluster_address",
    "plan_workers",
]
