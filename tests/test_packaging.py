"""The package as setuptools builds it: every folder of ``aligner/`` named in
``pyproject.toml``'s packages (a folder Python can import but the configuration leaves
out draws setuptools' "absent from the packages configuration" warning, and its files
would stop being installed), and every file of the review page covered by the package
data."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "aligner"


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]


def test_every_folder_of_the_package_is_one_of_its_packages():
    folders = {
        ".".join(("aligner", *p.relative_to(PACKAGE).parts))
        for p in PACKAGE.rglob("*")
        if p.is_dir() and "__pycache__" not in p.parts
    }
    assert folders <= set(_setuptools()["packages"])


def test_the_review_page_and_the_shipped_data_are_package_data():
    data = _setuptools()["package-data"]
    static = [p.name for p in (PACKAGE / "review_static").iterdir() if p.is_file()]
    assert {"index.html", "review.css", "review.js"} <= set(static)
    for name in static:
        assert any(fnmatch(name, pattern) for pattern in data["aligner.review_static"]), name
    for name in ("calibration.json", "lexicon_koen.tsv"):
        assert (PACKAGE / name).is_file() and name in data["aligner"]
