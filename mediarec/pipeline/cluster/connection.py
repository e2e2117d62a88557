"""Reaching a Ray cluster, or starting one on this machine, and deciding how many encoders it can hold.

Ray is an optional extra (``mediarec[cluster]``) and is imported only here and only when a cluster job starts, so
the rest of mediarec, and a machine without Ray, never loads it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mediarec.errors import MediarecError

_log = logging.getLogger(__name__)
_LOCAL = re.compile(r"^local(?:\[(?P<workers>[^\]]*)\])?$")
# A cluster started here for one job gets this much shared memory for decoded files in flight (Ray's default, 30 %
# of the memory, is meant for a machine that does nothing else).
_LOCAL_OBJECT_STORE_BYTES = 1 << 30
INSTALL_HINT = "install it with: pip install 'mediarec[cluster]'"


class ClusterError(MediarecError):
    """The cluster cannot be reached or cannot run the job (Ray missing, a bad address, workers that differ)."""


class ClusterAddressError(ClusterError):
    exit_code = 2  # bad input, as argparse reports it


@dataclass(frozen=True)
class ClusterAddress:
    """``local_workers`` set: a Ray cluster started on this machine for the job, with that many encoders.
    Otherwise ``address``: a running cluster (``auto``, ``HOST:6379``, or ``ray://HOST:10001`` for Ray Client)."""

    local_workers: int | None = None
    address: str | None = None

    def __str__(self) -> str:
        return f"local[{self.local_workers}]" if self.local_workers is not None else str(self.address)


def parse_cluster_address(text: str) -> ClusterAddress:
    """``local`` (one worker per core), ``local[N]``, or the address of a running Ray cluster."""
    text = text.strip()
    if not text:
        raise ClusterAddressError(
            "--cluster needs an address (HOST:6379, ray://HOST:10001, auto) or local[N]"
        )
    match = _LOCAL.match(text)
    if match is None:
        return ClusterAddress(address=text)
    workers = match.group("workers")
    if workers is None:
        return ClusterAddress(local_workers=max(1, os.cpu_count() or 1))
    if not workers.strip().isdigit() or int(workers) < 1:
        raise ClusterAddressError(f"--cluster {text}: the number of local workers is a whole number from 1")
    return ClusterAddress(local_workers=int(workers))


def import_ray():
    try:
        import ray
    except ImportError as error:
        raise ClusterError(f"--cluster needs Ray, which is not installed here; {INSTALL_HINT}") from error
    return ray


def connect(address: ClusterAddress, cpus_per_encoder: int = 1) -> tuple[Any, bool]:
    """Start (local[N]) or join the cluster as its driver; returns the ray module and whether this call set it
    up (a program that set Ray up itself keeps its own). Ray's usage statistics stay off: nothing leaves the
    user's machines (models.offline)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray = import_ray()
    if ray.is_initialized():
        return ray, False
    options = {"include_dashboard": False, "configure_logging": False, "log_to_driver": False}
    try:
        if address.local_workers is not None:
            ray.init(
                num_cpus=address.local_workers * cpus_per_encoder,
                num_gpus=0,  # local[N] is N CPU encoders; a GPU here is used by the local indexer
                object_store_memory=_LOCAL_OBJECT_STORE_BYTES,
                **options,
            )
        else:
            ray.init(address=address.address, **options)
    except (ConnectionError, TimeoutError, ValueError, RuntimeError) as error:
        raise ClusterError(
            f"cannot reach the Ray cluster at {address}: {error}. Start one with `ray start --head` on the head "
            "machine and `ray start --address HEAD:6379` on each worker (see README, Indexing on a cluster)"
        ) from error
    _log.info("connected to the Ray cluster at %s: %s", address, ray.cluster_resources())
    return ray, True


def disconnect() -> None:
    """Leave the cluster (and stop it when local[N] started it); the job's encoders end with the driver."""
    ray = import_ray()
    if ray.is_initialized():
        ray.shutdown()


@dataclass(frozen=True)
class WorkerPlan:
    """How many encoder actors the job starts, what each reserves, and the device their models run on."""

    encoders: int
    gpus_per_encoder: float
    cpus_per_encoder: int  # Ray gives the actor that many threads (OMP_NUM_THREADS), its models use them
    device: str  # "cuda" (with float16, models.device) or "cpu"

    def describe(self) -> str:
        kind = "GPU" if self.gpus_per_encoder else "CPU"
        return f"{self.encoders} {kind} encoder{'s' if self.encoders != 1 else ''}"


def plan_workers(
    resources: Mapping[str, float], device_preference: str = "auto", cpus_per_encoder: int = 1
) -> WorkerPlan:
    """One encoder per GPU where the cluster has GPUs (each far faster than a CPU encoder, so CPU encoders
    beside them would only hold files back), else one per ``cpus_per_encoder`` CPU slots (fewer encoders hold
    fewer copies of the models). Decoding takes no slot: the head keeps a few decodes per encoder in flight,
    which overlap the encoders as the local indexer's decode thread does."""
    gpus = int(resources.get("GPU", 0))
    if gpus >= 1 and device_preference.strip().lower() in ("auto", "cuda"):
        return WorkerPlan(
            encoders=gpus, gpus_per_encoder=1.0, cpus_per_encoder=cpus_per_encoder, device="cuda"
        )
    cpus = int(resources.get("CPU", 0))
    if cpus < cpus_per_encoder:
        raise ClusterError(
            f"the Ray cluster has {cpus} CPUs, fewer than one encoder takes ({cpus_per_encoder}; ray status shows "
            "its resources)"
        )
    return WorkerPlan(
        encoders=cpus // cpus_per_encoder,
        gpus_per_encoder=0.0,
        cpus_per_encoder=cpus_per_encoder,
        device="cpu",
    )
