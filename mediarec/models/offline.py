"""Keeping the libraries under the models from reaching the network on their own: telemetry off, hubs offline.

"Nothing leaves your machine" (README) is kept here, at the source. onnxruntime's Linux wheels (1.32) start a
telemetry uploader when the module is imported: it writes a device id under ~/.cache/Microsoft/DeveloperTools and
some 9 s later resolves mobile.events.data.microsoft.com from its own threads, so only processes that live that
long (an index run) showed it. ``onnxruntime.disable_telemetry_events()`` after the import does not stop that
upload; the ORT_DISABLE_TELEMETRY variable set before the import does. The Hugging Face clients are told not to
send telemetry, and to stay offline altogether when the profile needs no download.

``keep_offline(settings)`` is called at the start of every process that may load a model (the command line, the
desktop's indexing and model helpers), before any of those libraries is imported. tests/test_no_network.py checks
the result under strace.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING

from mediarec.models.base import ModelError

if TYPE_CHECKING:
    from mediarec.config import Settings

# Telemetry is never wanted, whichever the profile.
TELEMETRY_OFF = {
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime (read when it is imported)
    "HF_HUB_DISABLE_TELEMETRY": "1",  # huggingface_hub, transformers
    "DO_NOT_TRACK": "1",  # https://donottrack.sh: huggingface_hub and others
}
# Set only when nothing needs downloading, so that the default profile's first-use download still works.
HUB_OFFLINE = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
# Names the HUB_OFFLINE variables mediarec set itself (a child inherits them): those, and only those, are taken
# back in a process whose settings need a download; a user's own HF_HUB_OFFLINE=1 is always left alone.
_MARKER = "MEDIAREC_SET_HUB_OFFLINE"


def keep_offline(settings: Settings) -> bool:
    """Turn telemetry off, and the hub clients offline when every model of the profile is here already.

    Returns whether the hub clients are offline now. Never raises: a config that names an unknown model is
    reported later, by the command that loads it.
    """
    os.environ.update(TELEMETRY_OFF)
    offline = not needs_download(settings)
    ours = [name for name in os.environ.get(_MARKER, "").split(",") if name]
    if offline:
        ours += [name for name in HUB_OFFLINE if name not in os.environ]
        os.environ.update({name: "1" for name in HUB_OFFLINE})
        os.environ[_MARKER] = ",".join(sorted(set(ours)))
    elif ours:
        for name in ours:
            os.environ.pop(name, None)
        os.environ.pop(_MARKER, None)
    _tell_loaded_modules()
    return hub_offline()


def hub_offline() -> bool:
    """Whether the hub clients are offline (as huggingface_hub reads its variables)."""
    return any(os.environ.get(name, "").strip().upper() in ("1", "ON", "YES", "TRUE") for name in HUB_OFFLINE)


def needs_download(settings: Settings) -> bool:
    """Whether some model of ``settings`` would be fetched from the hub on first use (reads no weights).

    Package and folder models never download; a hub model does unless it is cached completely. Telling that
    imports huggingface_hub, so it is asked only for hub models (the offline profile has none).
    """
    from mediarec.models.availability import check_available
    from mediarec.models.catalogue import resolve_specs
    from mediarec.models.weights import source_of

    try:
        specs = resolve_specs(settings.profile, settings.model_overrides)
        hub = [spec for spec in specs.values() if source_of(spec.name).kind == "hub"]
        return any(not check_available(spec, settings.model_cache_dir)[0] for spec in hub)
    except (ModelError, OSError, ImportError):
        return True  # unknown: leave the hub reachable; the command that loads the model reports the problem


def quiet_onnxruntime() -> ModuleType:
    """onnxruntime, imported with its telemetry off: the one way mediarec's own code imports it for a session.

    The variable only works before the first import (someone may load an encoder without keep_offline, as the
    tests and benchmarks do); disable_telemetry_events() then also stops the events sessions would log.
    """
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime

    disable = getattr(onnxruntime, "disable_telemetry_events", None)
    if disable is not None:
        disable()
    return onnxruntime


def _tell_loaded_modules() -> None:
    """Modules imported before keep_offline read the environment too early; give them the values now."""
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)  # noqa: B010 - a module's globals, typed loosely
        setattr(constants, "HF_HUB_OFFLINE", hub_offline())  # noqa: B010
    if "onnxruntime" in sys.modules:
        quiet_onnxruntime()
