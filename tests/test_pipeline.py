from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest

from aligner import backends, pipeline
from aligner.corpus import read_corpus, read_documents
from aligner.embed import USEEncoder
from aligner.errors import InputError
from aligner.pair_flow import Aligner
from aligner.pipeline import parts_dir, write_batch
from aligner.types import Document, Pairing

STORIES = [
    ("Freight trains stopped last month. Companies ship goods by boat.",
     "화물열차가 지난달 멈췄다. 기업들은 배로 물건을 보낸다."),
    ("A typhoon hit Jeju Island on Tuesday. Flights were cancelled.",
     "화요일 태풍이 제주도를 강타했다. 항공편이 결항되었다."),
    ("Ulsan won the league title. Their striker scored twice.",
     "울산이 리그 우승을 차지했다. 공격수가 두 골을 넣었다."),
    ("The central bank kept its rate. Markets had expected it.",
     "한국은행은 기준금리를 동결했다. 시장은 이를 예상했다."),
]  # fmt: skip


def _pairing() -> Pairing:
    pairs = tuple(
        (f"s{k}", Document(f"s{k}", "en", en), Document(f"s{k}", "ko", ko))
        for k, (en, ko) in enumerate(STORIES)
    )
    orphan = Document("orphan", "en", "This one has no original.")
    return Pairing(pairs, ((orphan, "no Korean article with id 'orphan'"),), ())


def _metadata(aligner: Aligner, **extra: object) -> dict[str, str]:
    return aligner.metadata(pair="link", **extra)


class Crash(Exception):
    pass


def _crash_after(aligner: Aligner, n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    real = aligner.align_many

    def align_many(pairs, **kwargs):
        for k, item in enumerate(real(pairs, **kwargs)):
            if k == n:
                raise Crash("the machine went down")
            yield item

    monkeypatch.setattr(aligner, "align_many", align_many)


def test_a_stopped_job_resumes_where_it_stopped(
    use_encoder, recording, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "PART_PAIRS", 1)
    fresh = tmp_path / "fresh.parquet"
    plain = Aligner(use_encoder)
    write_batch(plain, _pairing(), fresh, metadata=_metadata(plain))

    out = tmp_path / "job.parquet"
    first = Aligner(use_encoder)
    _crash_after(first, 2, monkeypatch)
    with pytest.raises(Crash):
        write_batch(first, _pairing(), out, metadata=_metadata(first), resume=True)
    assert not out.exists()
    saved = json.loads((parts_dir(out) / "job.json").read_text())
    assert [p["pairs"] for p in saved["parts"]] == [["s0"], ["s1"]]

    recorder = recording(use_encoder)
    second = Aligner(recorder)
    write_batch(second, _pairing(), out, metadata=_metadata(second), resume=True)
    # only the two unsaved stories were encoded again
    assert not any("화물열차" in t or "Freight" in t or "태풍" in t for t in recorder.seen)
    assert any("울산" in t for t in recorder.seen) and any("bank" in t for t in recorder.seen)
    assert not parts_dir(out).exists()
    got, want = read_corpus(out).collect(), read_corpus(fresh).collect()
    # the same beads; scores agree to float precision (encoder batches differ in padding)
    assert got.drop("score", "margin").equals(want.drop("score", "margin"))
    assert (got["score"] - want["score"]).abs().max() < 1e-5
    docs, fresh_docs = read_documents(out), read_documents(fresh)
    assert docs.drop("doc_score").equals(fresh_docs.drop("doc_score"))
    gap = (docs["doc_score"] - fresh_docs["doc_score"]).abs().max()
    assert gap is not None and gap < 1e-5
    orphan = read_documents(out).filter(pl.col("doc_id") == "orphan")
    assert orphan["status"].to_list() == ["unpaired"]


def _stopped_after_one_pair(use_encoder, tmp_path: Path, monkeypatch) -> Path:
    """A job saving every pair, stopped after the first; returns its output path."""
    monkeypatch.setattr(pipeline, "PART_PAIRS", 1)
    out = tmp_path / "job.parquet"
    first = Aligner(use_encoder)
    _crash_after(first, 1, monkeypatch)
    with pytest.raises(Crash):
        write_batch(first, _pairing(), out, metadata=_metadata(first), resume=True)
    return out


def test_other_settings_or_inputs_are_refused(use_encoder, tmp_path: Path, monkeypatch) -> None:
    out = _stopped_after_one_pair(use_encoder, tmp_path, monkeypatch)

    other = Aligner(use_encoder, max_bead=4)
    with pytest.raises(InputError, match=r"other settings \(max 5 then, 4 now\)") as err:
        write_batch(other, _pairing(), out, metadata=_metadata(other), resume=True)
    assert "remove" in str(err.value) and str(parts_dir(out)) in str(err.value)

    same = Aligner(use_encoder)
    shrunk = Pairing(_pairing().pairs[1:], (), ())
    with pytest.raises(InputError, match=r"1 saved pair.*'s0'.*inputs have changed"):
        write_batch(same, shrunk, out, metadata=_metadata(same), resume=True)

    with pytest.raises(InputError, match=r"unfinished job.*--resume"):
        write_batch(same, _pairing(), out, metadata=_metadata(same))
    assert not out.exists() and parts_dir(out).is_dir()


def test_a_part_written_but_never_listed_is_dropped(use_encoder, tmp_path: Path, monkeypatch):
    out = _stopped_after_one_pair(use_encoder, tmp_path, monkeypatch)
    listed = parts_dir(out) / "part-00000.parquet"
    stray = parts_dir(out) / "part-00001.parquet"
    stray.write_bytes(listed.read_bytes())  # as if the run stopped before the manifest
    again = Aligner(use_encoder)
    write_batch(again, _pairing(), out, metadata=_metadata(again), resume=True)
    ids = read_corpus(out).collect()["pair_id"].unique(maintain_order=True).to_list()
    assert ids == ["s0", "s1", "s2", "s3"]
    assert read_corpus(out).collect().filter(pl.col("pair_id") == "s0").height == 2


def test_a_missing_output_folder_is_an_error_even_when_saving(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "job.parquet"
    al = Aligner(USEEncoder())  # not loaded: the error comes first
    with pytest.raises(InputError, match="output directory does not exist"):
        write_batch(al, _pairing(), out, metadata=_metadata(al), resume=True)
    assert not (tmp_path / "no-such-folder").exists()


def test_progress_counts_saved_pairs_as_done(use_encoder, tmp_path: Path, monkeypatch) -> None:
    out = _stopped_after_one_pair(use_encoder, tmp_path, monkeypatch)
    calls: list[tuple[int, int]] = []
    again = Aligner(use_encoder)
    write_batch(
        again, _pairing(), out, metadata=_metadata(again), resume=True,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["local", "ray"])
def test_workers_write_the_same_corpus(
    use_encoder, backend: str, request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "ray":
        ray = request.getfixturevalue("ray_cluster")
    monkeypatch.setattr(pipeline, "WORKER_PAIRS", 1)  # four tasks for two workers
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    al = Aligner(use_encoder)
    write_batch(al, _pairing(), one, metadata=_metadata(al))
    calls: list[tuple[int, int]] = []
    write_batch(
        al, _pairing(), two, metadata=_metadata(al), workers=2, backend=backend,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    a, b = read_corpus(one).collect(), read_corpus(two).collect()
    assert a.drop("score", "margin").equals(b.drop("score", "margin"))
    assert (a["score"] - b["score"]).abs().max() < 1e-5
    assert read_documents(one).drop("doc_score").equals(read_documents(two).drop("doc_score"))
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    if backend == "ray":
        assert ray.is_initialized()  # a session the caller opened is left open


def test_a_copy_for_a_worker_carries_the_settings_not_the_timings() -> None:
    import pickle

    al = Aligner(USEEncoder())
    al.timings["encode"] = 5.0
    copy = pickle.loads(pickle.dumps(al))
    assert copy.timings["encode"] == 0.0
    assert copy.params == al.params and copy.encoder.name == al.encoder.name
    copy.share_cpus(64)
    assert copy.encoder.threads == 1


def test_ray_plan_splits_the_cluster_and_asks_only_for_what_it_has() -> None:
    from aligner.backends import ray_plan

    assert ray_plan(16, 16, None) == (4, 4, 0)  # one worker per 4 CPUs by default
    assert ray_plan(2, 2, None) == (1, 2, 0)
    assert ray_plan(16, 16, 2) == (2, 8, 0)
    assert ray_plan(64, 16, 2) == (2, 16, 0)  # 32 each would fit on no node
    assert ray_plan(2, 2, 8) == (8, 1, 0)
    assert ray_plan(32, 16, None, gpus=4) == (4, 8, 1)  # CUDA: one worker per GPU
    assert ray_plan(32, 16, 2, gpus=4) == (2, 16, 1)
    with pytest.raises(InputError, match="has no GPU"):
        ray_plan(32, 16, None, gpus=0)
    with pytest.raises(InputError, match=r"the Ray cluster has 2 \(give --workers 2 or fewer\)"):
        ray_plan(32, 16, 3, gpus=2)


def test_a_ray_worker_sees_its_own_gpu_as_cuda() -> None:
    from aligner.embed import USEEncoder

    class OnGpu:
        name, dim, device = "gpu-model", 512, "cuda:3"

    worker = backends._RayWorker(Aligner(OnGpu()), cpus=2)
    assert worker.worker.encoder.device == "cuda"  # Ray shows the actor one GPU, as 0
    plain = backends._RayWorker(Aligner(USEEncoder(threads=1)), cpus=2)
    assert plain.worker.encoder.threads == 2  # the CPUs Ray gave it, not the machine's


@pytest.mark.slow
def test_ray_resumes_a_job_that_stopped(
    use_encoder, ray_cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _stopped_after_one_pair(use_encoder, tmp_path, monkeypatch)
    monkeypatch.undo()
    al = Aligner(use_encoder)
    write_batch(al, _pairing(), out, metadata=_metadata(al), resume=True, backend="ray")
    assert read_corpus(out).collect()["pair_id"].unique(maintain_order=True).to_list() == [
        "s0", "s1", "s2", "s3"
    ]  # fmt: skip
    assert not parts_dir(out).exists()


class _BrokenEncoder:
    """An encoder whose model cannot be loaded where the worker runs."""

    name, dim = "broken", 512

    def encode(self, texts):
        from aligner.errors import ModelError

        raise ModelError("model weights are missing on this node")


@pytest.mark.slow
def test_a_ray_worker_error_is_the_aligner_error_it_raised(ray_cluster, tmp_path: Path) -> None:
    import sys

    from aligner.errors import ModelError

    # the actors cannot import this test module, so it travels with the task
    ray_cluster.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        al = Aligner(_BrokenEncoder())
        out = tmp_path / "out.parquet"
        with pytest.raises(ModelError, match="missing on this node") as err:
            write_batch(al, _pairing(), out, metadata=_metadata(al), backend="ray")
        # the error itself, not Ray's wrapper with the worker's traceback in its text
        assert type(err.value) is ModelError and "\n" not in str(err.value)
        assert not out.exists()
    finally:
        ray_cluster.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_bad_workers_or_backend_or_missing_ray_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    al = Aligner(USEEncoder())  # not loaded: the errors come first
    out = tmp_path / "out.parquet"
    with pytest.raises(InputError, match="unknown backend 'dask'"):
        write_batch(al, _pairing(), out, metadata=_metadata(al), backend="dask")
    with pytest.raises(InputError, match="workers must be at least 1"):
        write_batch(al, _pairing(), out, metadata=_metadata(al), workers=0)
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(InputError, match=r"pip install 'aligner\[ray\]'"):
        write_batch(al, _pairing(), out, metadata=_metadata(al), backend="ray")
    assert not out.exists()


def test_an_unreachable_ray_address_fails_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    import ray

    listening = socket.create_server(("127.0.0.1", 0))
    closed = socket.create_server(("127.0.0.1", 0))
    free_port = closed.getsockname()[1]
    closed.close()
    try:
        assert backends._unreachable(f"127.0.0.1:{listening.getsockname()[1]}") is None
        assert backends._unreachable(f"ray://127.0.0.1:{listening.getsockname()[1]}") is None
    finally:
        listening.close()
    assert backends._unreachable(f"127.0.0.1:{free_port}") == "Connection refused"
    assert backends._unreachable("auto") is None  # Ray finds a local cluster itself

    def never(**kwargs):
        raise AssertionError("ray.init would retry for minutes")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", never)
    with pytest.raises(InputError, match=rf"cannot reach the Ray cluster at 127.0.0.1:{free_port}"):
        backends._start_ray(f"127.0.0.1:{free_port}")
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{free_port}")
    with pytest.raises(InputError, match="Connection refused"):
        backends._start_ray(None)


@pytest.mark.slow
def test_ray_on_two_nodes_fits_a_worker_on_the_larger_one(
    use_encoder, tmp_path: Path, short_temp_dir: Path
) -> None:
    """A simulated cluster of a 1-CPU head and a 2-CPU node (3 CPUs in all): one worker
    asks for 2 CPUs, not 3, which no node has; the corpus is the local one."""
    import subprocess
    import sys
    import textwrap

    out = tmp_path / "two-nodes.parquet"
    # Ray's Cluster writes ray_current_cluster under $RAY_TMPDIR/ray, which must exist:
    # a folder of the test's own, never whatever an earlier run left in /tmp/ray.
    temp = short_temp_dir / "ray"
    temp.mkdir()
    script = textwrap.dedent(f"""
        import logging, sys
        import ray
        from ray.cluster_utils import Cluster
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_pipeline import _metadata, _pairing
        from aligner.pair_flow import Aligner
        from aligner.pipeline import write_batch
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        temp = {str(temp)!r}
        head = {{"num_cpus": 1, "include_dashboard": False, "temp_dir": temp}}
        cluster = Cluster(initialize_head=True, head_node_args=head)
        cluster.add_node(num_cpus=2)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, logging_level=logging.WARNING)
        try:
            al = Aligner()
            write_batch(al, _pairing(), {str(out)!r}, metadata=_metadata(al), backend="ray",
                        workers=1)
        finally:
            ray.shutdown()
            cluster.shutdown()
    """)
    env = {**os.environ, "RAY_TMPDIR": str(short_temp_dir)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180, env=env
    )  # a worker asking for more CPUs than any node has would wait until this timeout
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ray: 1 workers with 2 CPUs and 0 GPU each" in result.stderr
    local = tmp_path / "local.parquet"
    al = Aligner(use_encoder)
    write_batch(al, _pairing(), local, metadata=_metadata(al))
    a, b = read_corpus(local).collect(), read_corpus(out).collect()
    assert a.drop("score", "margin").equals(b.drop("score", "margin"))
