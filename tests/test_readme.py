"""Every example of README.md runs as written and shows what the README shows.

How to write README examples so that this test runs them (scripts/readme_examples.py
holds the harness and says the same):

- A ```console block holds commands, lines starting with ``$ ``, each followed by the
  output it prints (stdout and stderr together), up to the next ``$ ``. The commands run
  with bash in README order, in one scratch folder that holds a copy of ``seeds/``,
  ``Makefile``, ``pyproject.toml`` and ``README.md``: use the files under ``seeds/`` or
  files an earlier example wrote. ``aligner`` is this checkout's (the venv's ``bin`` is
  first on PATH, the checkout on PYTHONPATH), and ``.venv`` there stands for the
  installed venv, so ``make demo`` installs nothing.
- In an output, a line ``...`` stands for any number of lines (none included); times
  (``in 3.0 s``) may differ.
- ```python blocks run in the same folder, in README order, in one namespace: a block
  sees what the blocks before it defined and the files the commands before it wrote.
- A block that must not run (a command syntax, a GPU, a Ray cluster, a tool or file the
  repo does not ship, the test suite itself) gets the line
  ``<!-- readme-test: skip (the reason) -->`` just before its opening fence.
- After changing a command, ``python scripts/readme_examples.py --write`` puts its real
  output into the README (outputs with ``...`` are left for hand editing).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import readme_examples as rx  # noqa: E402

SAMPLE = """intro

```console
$ echo one
one
$ printf 'a\\nb\\nc\\n'
a
...
c
```

<!-- readme-test: skip (needs a GPU) -->
```console
$ aligner align --device cuda x y -o z
```

```python
x = 1
```
"""


def test_the_harness_reads_commands_outputs_and_skips() -> None:
    blocks = rx.parse(SAMPLE)
    assert [(b.lang, b.skip) for b in blocks] == [
        ("console", None),
        ("console", "needs a GPU"),
        ("python", None),
    ]
    first = blocks[0].commands
    assert [(c.text, c.expected) for c in first] == [
        ("echo one", ["one"]),
        ("printf 'a\\nb\\nc\\n'", ["a", "...", "c"]),
    ]
    assert SAMPLE.splitlines()[first[0].line - 1] == "$ echo one"


def test_the_harness_compares_lines_with_ellipsis_and_times() -> None:
    assert rx.matches(["a", "...", "c"], ["a", "c"])
    assert rx.matches(["a", "...", "c"], ["a", "x", "y", "c"])
    assert not rx.matches(["a", "...", "c"], ["a", "x"])
    assert not rx.matches(["a"], ["a", "b"])
    assert rx.matches(["wrote x in 3.0 s"], ["wrote x in 12.4 s"])
    assert not rx.matches(["wrote x in 3.0 s"], ["wrote y in 3.0 s"])


def test_the_examples_run_as_in_a_shell_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under `make test`, make's variables would make `make demo` print where it is, and
    a developer's ALIGNER_CACHE would add a cache line to every align."""
    monkeypatch.setenv("MAKELEVEL", "1")
    monkeypatch.setenv("MAKEFLAGS", "w")
    monkeypatch.setenv("ALIGNER_CACHE", "/somewhere/cache")
    monkeypatch.setenv("RAY_ADDRESS", "auto")
    env = rx.environment()
    assert "MAKELEVEL" not in env and "MAKEFLAGS" not in env
    assert "ALIGNER_CACHE" not in env and "RAY_ADDRESS" not in env
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)
    assert env["PYTHONPATH"].split(":")[0] == str(rx.REPO)


@pytest.mark.slow
def test_the_harness_rewrites_only_what_differs(tmp_path: Path) -> None:
    text = (
        "```console\n$ echo one\ntwo\n$ echo three\nthree\n$ echo x in 9 s; echo y\nx in 1 s\n```\n"
    )
    with rx.scratch() as root:
        outcomes = [o for _, outs in rx.run_all(text, root) for o in outs]
    assert [o.ok for o in outcomes] == [False, True, False]
    assert rx.rewrite(text, outcomes) == (
        "```console\n$ echo one\none\n$ echo three\nthree\n"
        "$ echo x in 9 s; echo y\nx in 1 s\ny\n```\n"
    )


@pytest.mark.slow
def test_every_readme_example_runs_as_written() -> None:
    text = rx.README.read_text(encoding="utf-8")
    blocks = rx.parse(text)
    assert sum(1 for b in blocks if b.skip is None) >= 10
    failures = []
    ran = 0
    with rx.scratch() as root:
        for _block, outcomes in rx.run_all(text, root):
            ran += 1
            for o in outcomes:
                if not o.ok:
                    failures.append(
                        f"README.md:{o.command.line}: $ {o.command.text}\n"
                        + "expected:\n  "
                        + "\n  ".join(o.command.expected)
                        + "\ngot:\n  "
                        + "\n  ".join(o.actual)
                    )
    assert ran == sum(1 for b in blocks if b.skip is None)
    assert not failures, "\n\n".join(failures) + "\n\n(scripts/readme_examples.py --write)"
