"""Search queries encoded in a helper process, for the desktop app (see mediarec/models/helper_process.py for why).

``HelperModelSet`` stands in for a ModelSet: ``get(role)`` gives an encoder whose ``encode_texts``,
``encode_queries`` and ``encode_passages`` run in a child process (``python -m mediarec.models.model_process``),
while everything cheap (model_id, dim, name) is answered here by the same encoder object, which never loads its
weights in this process. The child starts on the first request, loads each model on first use, and is started
again if it died (one retry per request).

Requests: {"op": "encode", "role", "method", "texts"} -> {"shape", "data"};
{"op": "load", "roles", "only_ready"} -> {"loaded": roles};
failures -> {"error": kind, "message"}.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from mediarec.config import Settings, settings_to_json
from mediarec.models.base import Encoder, ModelError
from mediarec.models.device import DeviceChoice
from mediarec.models.helper_process import (
    HelperProcess,
    HelperProcessError,
    array_from_json,
    array_to_json,
    connect_to_parent,
)
from mediarec.models.model_set import ModelSet

MODULE = "mediarec.models.model_process"
# The helper holds the query models (the offline set alone takes ~0.9 GB with torch); after this long without a
# search it exits to give the memory back, and the next search starts it again (a few seconds).
IDLE_EXIT_SECONDS = 600.0
# The text-side methods of the encoders: the only work the search needs from the models.
REMOTE_METHODS = frozenset({"encode_texts", "encode_queries", "encode_passages"})


# -- the parent's side ---------------------------------------------------------------------------------------


class ModelHelper:
    """The child process and its request/answer exchange; thread-safe (one request at a time)."""

    def __init__(self, settings: Settings, idle_exit_seconds: float = IDLE_EXIT_SECONDS):
        self.settings = settings
        self.idle_exit_seconds = idle_exit_seconds
        self._helper = HelperProcess(MODULE, "model helper")
        self._lock = threading.Lock()
        self._closed = False

    def encode(self, role: str, method: str, texts: Sequence[str]) -> np.ndarray:
        answer = self._request({"op": "encode", "role": role, "method": method, "texts": list(texts)})
        return array_from_json(answer)

    def load(self, roles: Sequence[str], *, only_ready: bool = False) -> list[str]:
        """Load these roles' models in the helper now (a warm-up: the first search then answers at once); with
        ``only_ready``, only those that need no download. Returns the roles loaded."""
        return self._request({"op": "load", "roles": list(roles), "only_ready": only_ready})["loaded"]

    def close(self) -> None:
        """End the helper. A request still in flight (a model loading) is not waited for: the process is killed
        and that request fails; nothing is lost, the helper only ever reads the library."""
        self._closed = True
        if self._lock.acquire(blocking=False):
            try:
                self._helper.close()
            finally:
                self._lock.release()
        else:
            self._helper.kill()

    @property
    def pid(self) -> int | None:
        return self._helper.pid

    def _request(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            try:
                answer = self._exchange(request)
            except HelperProcessError:
                self._helper.close(grace_seconds=0)
                answer = self._exchange(
                    request
                )  # once more, in a fresh process; a second failure is reported
        if "error" in answer:
            error_class = ModelError if answer["error"] == "ModelError" else HelperProcessError
            raise error_class(answer["message"])
        return answer

    def _exchange(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._closed:
            raise HelperProcessError("The model helper was closed with its library.")
        if not self._helper.running:
            self._helper.close(grace_seconds=0)  # reap one that exited when idle
            hello = {"settings": settings_to_json(self.settings), "idle_exit_seconds": self.idle_exit_seconds}
            self._helper.start(hello)
        self._helper.send(request)
        return self._helper.receive()


class HelperEncoder:
    """One role's encoder: text encoding in the helper, the rest answered by the (unloaded) local encoder."""

    def __init__(self, role: str, local, helper: ModelHelper):
        self._role = role
        self._local = local
        self._helper = helper

    def __getattr__(self, name: str):
        if name in REMOTE_METHODS:
            if not callable(getattr(self._local, name, None)):
                raise AttributeError(name)  # hasattr() stays truthful: no text tower, no encode_texts
            return lambda texts: self._helper.encode(self._role, name, texts)
        return getattr(self._local, name)

    def __repr__(self) -> str:
        return f"HelperEncoder({self._local!r})"


class HelperModelSet:
    """A ModelSet whose text encoding runs in a helper process; all else is the local ModelSet's.

    It is a models.base.ModelSetLike, as ModelSet is, so the library searches with either.
    """

    def __init__(self, settings: Settings):
        # The local encoders only answer model_id, dim and names; they never load here, so the device they are
        # built for does not matter, and choosing one ("auto") would import torch in this process.
        self._local = ModelSet.for_settings(settings, device=DeviceChoice("cpu", "float32"))
        self.helper = ModelHelper(settings)

    def get(self, role: str) -> Encoder:
        # A HelperEncoder answers every attribute of the local encoder, so callers may treat it as one.
        return cast(Encoder, HelperEncoder(role, self._local.get(role), self.helper))

    def has_text_tower(self, role: str) -> bool:
        return self._local.has_text_tower(role)

    def warm_up(self, roles: Sequence[str]) -> list[str]:
        """Load the roles' models that are already here (never a download) in the helper."""
        return self.helper.load(roles, only_ready=True)

    def unload_all(self) -> None:
        self.helper.close()

    def __getattr__(self, name: str):
        return getattr(self._local, name)


# -- the child's side ----------------------------------------------------------------------------------------


def main() -> int:
    parent = connect_to_parent()
    if parent is None:
        return 0
    models = ModelSet.for_settings(parent.settings)
    idle_exit = float(parent.hello.get("idle_exit_seconds", IDLE_EXIT_SECONDS))
    try:
        while (request := parent.channel.receive(timeout=idle_exit)) is not None:
            parent.channel.send(_answer(models, request))
    except TimeoutError:
        pass  # idle: exit; the parent starts a new helper for the next request
    finally:
        models.unload_all()
    return 0


def _answer(models: ModelSet, request: dict[str, Any]) -> dict[str, Any]:
    try:
        if request["op"] == "load":
            # Checked here, not in the app: telling whether a hub model is cached imports huggingface_hub.
            if request.get("only_ready"):
                return {"loaded": models.warm_up(request["roles"])}
            for role in request["roles"]:
                models.get(role).load()
            return {"loaded": list(request["roles"])}
        if request["op"] == "encode" and request["method"] in REMOTE_METHODS:
            encode = getattr(models.get(request["role"]), request["method"])
            return array_to_json(encode(request["texts"]))
        return {"error": "HelperProcessError", "message": f"Unknown request {request!r}."}
    except ModelError as error:
        return {"error": "ModelError", "message": str(error)}
    except Exception as error:  # noqa: BLE001 - reported to the parent, which decides; this process goes on
        import traceback

        traceback.print_exc()
        return {"error": type(error).__name__, "message": f"{type(error).__name__}: {error}"}


if __name__ == "__main__":
    raise SystemExit(main())
