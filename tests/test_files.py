from __future__ import annotations

import os
from pathlib import Path

import pytest

from aligner.errors import InputError, OutputExistsError
from aligner.files import atomic_text_files


def test_files_appear_together_only_when_the_block_completes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    with pytest.raises(RuntimeError), atomic_text_files([a, b], overwrite=False) as (fa, fb):
        fa.write("first\n")
        fb.write("second\n")
        raise RuntimeError("stopped half way")
    assert list(tmp_path.iterdir()) == []
    with atomic_text_files([a, b], overwrite=False) as (fa, fb):
        fa.write("한국어\n")
        fb.write("second\n")
    assert a.read_text(encoding="utf-8") == "한국어\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_an_existing_target_stops_all_of_them(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    b.write_text("old")
    with pytest.raises(OutputExistsError, match="--overwrite"), atomic_text_files([a, b], False):
        pass
    assert not a.exists() and b.read_text() == "old"
    with atomic_text_files([a, b], overwrite=True) as (_, fb):
        fb.write("new")
    assert b.read_text() == "new"
    missing = tmp_path / "no" / "c.txt"
    with pytest.raises(InputError, match="does not exist"), atomic_text_files([missing], False):
        pass


def test_permissions_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with atomic_text_files([tmp_path / "a.txt"], overwrite=False) as (f,):
            f.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
