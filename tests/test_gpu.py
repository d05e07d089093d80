"""The CUDA path: these run only where torch sees a CUDA device (``pytest -m gpu``).

Without one they skip, so the suite stays green on CPU-only machines and CI; on a GPU
machine they check that a sentence-transformers model really runs on the device, with
GPU-sized batches, gives the CPU's vectors, and that ``align_many`` pools encoding there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aligner import Aligner
from aligner.embed import SentenceTransformerEncoder, load_encoder
from aligner.types import Document

pytestmark = [pytest.mark.gpu, pytest.mark.slow]

EN = ["The president met the foreign minister in Seoul on Monday.", "Exports rose last year."]
KO = ["대통령은 월요일 서울에서 외교부 장관을 만났다.", "지난해 수출이 증가했다."]


@pytest.fixture(scope="module")
def cuda() -> str:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return "cuda"


def test_model_runs_on_the_device_with_gpu_batches(tiny_st_model: Path, cuda: str) -> None:
    enc = load_encoder(str(tiny_st_model), device=cuda)
    assert isinstance(enc, SentenceTransformerEncoder)
    assert enc.device == "cuda"
    assert enc.batch_size == 256
    assert load_encoder(str(tiny_st_model), device="auto").device == "cuda"
    gpu = enc.encode(EN + KO)
    assert gpu.dtype == np.float32 and gpu.shape == (4, 32)
    np.testing.assert_allclose(np.linalg.norm(gpu, axis=1), 1.0, atol=1e-5)
    cpu = load_encoder(str(tiny_st_model), device="cpu").encode(EN + KO)
    np.testing.assert_allclose(gpu, cpu, atol=1e-4)


def test_align_many_pools_pairs_on_the_device(tiny_st_model: Path, cuda: str, recording) -> None:
    recorder = recording(load_encoder(str(tiny_st_model), device=cuda))

    pairs = [
        (
            f"p{k}",
            Document(f"e{k}", "en", f"This is story {k}. {EN[0]} {EN[1]}"),
            Document(f"k{k}", "ko", f"이것은 기사 {k}번입니다. {KO[0]} {KO[1]}"),
        )
        for k in range(80)
    ]
    results = list(Aligner(recorder).align_many(pairs))
    assert len(results) == 80
    for r in results:
        assert sorted(i for b in r.beads for i in b.en) == [0, 1, 2]
        assert sorted(j for b in r.beads for j in b.ko) == [0, 1, 2]
    # the distinct sentences of a chunk of 64 pairs (a first sentence of its own per
    # article, two shared ones per side) reach the encoder in one call; the other 16 in one
    assert recorder.calls[0] == 64 * 2 + 2 * 2
    assert 16 * 2 + 2 * 2 in recorder.calls
