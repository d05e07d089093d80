"""Finding sentence-transformers models: local paths, the Hugging Face cache, and one
short probe of the Hub, so that a model that is not available offline fails in seconds
instead of after a minute of retries."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from pathlib import Path

from aligner.errors import ModelError

log = logging.getLogger(__name__)

HUB_PROBE_TIMEOUT_S = 3.0
TRUE = {"1", "on", "yes", "true"}


def env_true(var: str) -> bool:
    return os.environ.get(var, "").strip().lower() in TRUE


def looks_like_path(model: str) -> bool:
    return (
        model.startswith((".", "/", "~", os.sep))
        or model.count("/") > 1
        or (os.altsep is not None and os.altsep in model)
        or bool(re.match(r"^[A-Za-z]:[\\/]", model))
    )


def st_cache_folder() -> str | None:
    """Where sentence-transformers looks for Hub models (None: the Hugging Face default)."""
    return os.environ.get("SENTENCE_TRANSFORMERS_HOME") or None


def hf_cache_location(cache_folder: str | None) -> str:
    if cache_folder:
        return cache_folder
    try:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    except ImportError:  # pragma: no cover
        return "~/.cache/huggingface/hub"


def hub_offline() -> bool:
    if env_true("HF_HUB_OFFLINE") or env_true("TRANSFORMERS_OFFLINE"):
        return True
    try:
        from huggingface_hub import constants

        return bool(constants.HF_HUB_OFFLINE)
    except ImportError:  # pragma: no cover
        return False


def hub_endpoint() -> str:
    endpoint = os.environ.get("HF_ENDPOINT")
    if not endpoint:
        try:
            from huggingface_hub import constants

            endpoint = constants.ENDPOINT
        except ImportError:  # pragma: no cover
            endpoint = "https://huggingface.co"
    return endpoint.rstrip("/")


def hub_reachable(endpoint: str, timeout: float = HUB_PROBE_TIMEOUT_S) -> tuple[bool, str]:
    """One HEAD request, no retries, bounded by ``timeout`` including the DNS lookup.

    Any HTTP answer, even an error status, counts as reachable.
    """
    import urllib.error
    import urllib.request

    result: list[tuple[bool, str]] = []

    def probe() -> None:
        req = urllib.request.Request(endpoint, method="HEAD")
        try:
            with urllib.request.urlopen(req, timeout=timeout):
                result.append((True, ""))
        except urllib.error.HTTPError:
            result.append((True, ""))
        except Exception as e:
            reason = getattr(e, "reason", e)
            result.append((False, f"{type(reason).__name__}: {reason}"))

    # getaddrinfo ignores socket timeouts, so the whole probe runs in a daemon thread.
    worker = threading.Thread(target=probe, name="hub-probe", daemon=True)
    worker.start()
    worker.join(timeout + 0.5)
    if not result:
        return False, f"no answer within {timeout:g} s"
    return result[0]


def cached_snapshot(repo_id: str, cache_folder: str | None) -> Path | None:
    """The local snapshot folder of a Hub model, without any network access; None if absent."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError

    try:
        path = snapshot_download(repo_id, cache_dir=cache_folder, local_files_only=True)
    except HFValidationError as e:
        raise ModelError(
            f"model {repo_id!r} is neither an existing local directory nor a valid "
            f"Hugging Face model id ({e})"
        ) from e
    except Exception as e:  # LocalEntryNotFoundError and friends: treat as not cached
        log.debug("no usable cache entry for %s: %s", repo_id, e)
        return None
    p = Path(path)
    return p if p.is_dir() else None


def dir_fingerprint(root: Path, sample: int = 1 << 20) -> str:
    """Short hash over file names, sizes and the first and last ``sample`` bytes of each file.

    Cheap on multi-GB checkpoints, and it changes when a model is retrained in place
    (same names and sizes, different weights).
    """
    h = hashlib.sha1()
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = f.relative_to(root).as_posix()
        if any(part.startswith(".") for part in f.relative_to(root).parts):
            continue
        size = f.stat().st_size
        h.update(f"{rel}\0{size}\0".encode())
        with f.open("rb") as fh:
            h.update(fh.read(sample))
            if size > 2 * sample:
                fh.seek(size - sample)
                h.update(fh.read(sample))
            elif size > sample:
                h.update(fh.read())
    return h.hexdigest()[:12]
