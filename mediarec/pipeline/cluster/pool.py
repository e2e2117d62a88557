"""The job's encoder actors: started, checked against the head's models, given work, replaced when they die.

An actor is ready for work once it has described itself (pipeline.cluster.worker.EncoderWorker.describe) with the
head's model ids and mediarec version; a worker with other models would write vectors into other spaces than a
local run, so the job stops with what differs instead. An actor that dies (its process or its machine) is replaced
by a new one, which Ray places wherever there is room; one that keeps dying stops the job.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from mediarec import __version__
from mediarec.config import Settings
from mediarec.pipeline.cluster.connection import INSTALL_HINT, ClusterError, WorkerPlan
from mediarec.pipeline.cluster.worker import EncoderWorker

_log = logging.getLogger(__name__)
# Batches queued on one actor: one running and one waiting, so the actor never idles on a round trip to the head.
BATCHES_PER_ENCODER = 2
# How long the job waits for its first encoder (it may wait for room on a busy cluster).
START_TIMEOUT_SECONDS = 600.0


@dataclass(eq=False)
class Encoder:
    handle: Any  # the Ray actor
    description: dict = field(default_factory=dict)
    batches: int = 0  # in flight
    dead: bool = False


class EncoderPool:
    def __init__(self, ray, settings: Settings, plan: WorkerPlan, head_model_ids: dict[str, str]):
        self._ray = ray
        self._settings = settings
        self.plan = plan
        self._head_model_ids = head_model_ids
        self._actor_class = ray.remote(EncoderWorker).options(
            num_cpus=plan.cpus_per_encoder, num_gpus=plan.gpus_per_encoder, max_restarts=0
        )
        self.ready: list[Encoder] = []
        self.starting: dict[Any, Encoder] = {}  # describe() ref -> the actor it describes
        self.lost = 0
        self._since = time.monotonic()
        for _ in range(plan.encoders):
            self._start()

    @property
    def workers(self) -> list[dict]:
        return [encoder.description for encoder in self.ready]

    def _start(self) -> None:
        encoder = Encoder(self._actor_class.remote(self._settings, self.plan.device))
        self.starting[encoder.handle.describe.remote()] = encoder

    def started(self, ref) -> None:
        """An actor's describe() answered: check it and put the actor to work, or replace it if it died."""
        encoder = self.starting.pop(ref)
        try:
            description = self._ray.get(ref)
        except self._ray.exceptions.RayActorError as error:
            if getattr(error, "actor_init_failed", False):
                raise ClusterError(
                    f"an encoder could not start on a worker ({_last_line(error)}); every node needs the same "
                    f"mediarec and model packages as the head ({INSTALL_HINT})"
                ) from error
            self.replace(encoder, error)
            return
        self._check(description)
        encoder.description = description
        self.ready.append(encoder)
        _log.info(
            "encoder ready on node %s (pid %s, %s)", description["node"], description["pid"], self.plan.device
        )

    def _check(self, description: dict) -> None:
        if description["version"] != __version__:
            raise ClusterError(
                f"a worker runs mediarec {description['version']}, the head {__version__}: install the same "
                "version on every node"
            )
        differ = {
            modality: (model_id, self._head_model_ids.get(modality))
            for modality, model_id in description["model_ids"].items()
            if self._head_model_ids.get(modality) != model_id
        }
        if differ or set(description["model_ids"]) != set(self._head_model_ids):
            words = ", ".join(f"{m}: {worker} (the head: {head})" for m, (worker, head) in differ.items())
            raise ClusterError(
                f"a worker's models are not the head's ({words or 'other modalities'}); every node needs the same "
                "config, profile and model packages, or its vectors would land in other spaces"
            )

    def idle(self) -> Encoder | None:
        """The ready encoder with the fewest batches, if it can take one more."""
        candidates = [encoder for encoder in self.ready if encoder.batches < BATCHES_PER_ENCODER]
        return min(candidates, key=lambda encoder: encoder.batches) if candidates else None

    def replace(self, encoder: Encoder, error: Exception) -> None:
        """The actor died (its process, or its machine): start another, unless they keep dying."""
        if encoder.dead:
            return  # its other batch reported the death already
        encoder.dead = True
        if encoder in self.ready:
            self.ready.remove(encoder)
        self.lost += 1
        _log.warning("an encoder died (%s); starting another", _first_line(error))
        if self.lost > 2 * self.plan.encoders + 2:
            raise ClusterError(
                f"encoders died {self.lost} times: the workers may be running out of memory (each encoder holds "
                "every model; see README, Indexing on a cluster)"
            )
        self._kill(encoder)
        self._start()

    def check_progress(self) -> None:
        """The job cannot wait forever for encoders the cluster has no room for."""
        if self.ready:
            self._since = time.monotonic()
        elif time.monotonic() - self._since > START_TIMEOUT_SECONDS:
            raise ClusterError(
                f"no encoder started within {START_TIMEOUT_SECONDS:.0f} s: the cluster has no room for one "
                f"({self._ray.available_resources()} available; each takes {self.plan.cpus_per_encoder} CPU"
                + (" and 1 GPU)" if self.plan.gpus_per_encoder else ")")
            )

    def stop(self) -> None:
        for encoder in [*self.ready, *self.starting.values()]:
            self._kill(encoder)
        self.ready.clear()
        self.starting.clear()

    def _kill(self, encoder: Encoder) -> None:
        with contextlib.suppress(Exception):  # already gone with its machine: nothing to stop
            self._ray.kill(encoder.handle, no_restart=True)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _last_line(error: BaseException) -> str:
    """Of a traceback: the exception itself."""
    text = str(error).strip()
    return text.splitlines()[-1].strip() if text else type(error).__name__
