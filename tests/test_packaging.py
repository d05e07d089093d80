"""The package as setuptools builds it: every folder of ``aligner/`` named in
``pyproject.toml``'s packages (a folder Python can import but the configuration leaves
out draws setuptools' "absent from the packages configuration" warning, and its files
would stop being installed), every file of the review page covered by the package
data, and a wheel built for real: it carries every site recipe of ``corpora/recipes/``,
and aligner installed from it finds them there, away from any checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "aligner"
RECIPES = ROOT / "corpora" / "recipes"


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


def test_the_recipes_are_read_from_where_aligner_runs():
    """From a checkout (PYTHONPATH, an editable install): corpora/recipes itself; from an
    installed wheel (these tests run against one too): the package's site_recipes."""
    import aligner
    from aligner.recipes import recipe_dir, shipped_recipes

    here = Path(aligner.__file__).resolve().parent
    assert recipe_dir() == (RECIPES if here == PACKAGE else here / "site_recipes")
    assert {Path(r.path).name for r in shipped_recipes()} == _recipe_files()


def _recipe_files() -> set[str]:
    names = {p.name for p in RECIPES.glob("*.toml")}
    assert {"dailynk.toml", "usgov.toml", "voa.toml"} <= names
    return names


def _wheel(tmp_path: Path) -> Path:
    """The wheel pip builds offline (setuptools from this environment, no index) from a
    copy of what the build reads, so that no build/ or egg-info left in the checkout
    (a recipe since removed, say) can end up in it."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PACKAGE, src / "aligner", ignore=junk)
    shutil.copytree(RECIPES, src / "corpora" / "recipes", ignore=junk)
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "-w", str(out), str(src)],
        check=True, cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = out.glob("aligner-*.whl")
    return wheel


@pytest.mark.slow  # pip builds a wheel, then a process imports aligner from it
def test_the_wheel_carries_the_site_recipes_and_finds_them_installed(tmp_path: Path):
    wheel = _wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        shipped = {n.split("/")[-1] for n in names if n.startswith("aligner/site_recipes/")}
        assert shipped == _recipe_files()
        for name in shipped:  # the same bytes as the one copy in git
            assert z.read(f"aligner/site_recipes/{name}") == (RECIPES / name).read_bytes()
        assert {"aligner/calibration.json", "aligner/lexicon_koen.tsv"} <= names
        assert "aligner/review_static/index.html" in names
        # a pure-Python wheel installs by unpacking it into site-packages
        site = tmp_path / "site-packages"
        z.extractall(site)
    # aligner imported from there alone, from a folder outside the checkout (-P: not
    # from the working directory; the checkout's PYTHONPATH is dropped)
    probe = (
        "import json, aligner, aligner.recipes as r\n"
        "print(json.dumps({'package': aligner.__file__, 'dir': str(r.recipe_dir()),\n"
        "    'recipes': {x.name: x.path for x in r.shipped_recipes()},\n"
        "    'voa': r.find_recipe('voa').path}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-P", "-c", probe],
        cwd=tmp_path, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    found = json.loads(run.stdout)
    installed = site / "aligner"
    assert Path(found["package"]).parent == installed
    assert Path(found["dir"]) == installed / "site_recipes"
    assert {Path(p).name for p in found["recipes"].values()} == _recipe_files()
    assert {"dailynk", "usgov", "voa"} <= set(found["recipes"])
    assert all(Path(p).parent == installed / "site_recipes" for p in found["recipes"].values())
    assert Path(found["voa"]).parent == installed / "site_recipes"
