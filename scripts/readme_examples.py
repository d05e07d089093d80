"""Run every example of README.md as a reader would, and check or rewrite its output.

    python scripts/readme_examples.py            # run them all; report what differs
    python scripts/readme_examples.py --write    # put the real outputs into README.md

The conventions (tests/test_readme.py runs the check):

- A ```console block holds commands, lines starting with ``$ ``, each followed by its
  expected output (stdout and stderr together) up to the next command. Commands run
  with bash, in README order, in one scratch folder holding a copy of ``seeds/``,
  ``scripts/``, ``Makefile``, ``pyproject.toml`` and ``README.md``, with this repository's code and
  venv: its ``bin`` first on PATH (``aligner``), this checkout on PYTHONPATH, and
  ``.venv`` in the scratch folder standing for the installed venv (so ``make demo``
  runs its commands and installs nothing).
- In expected output, a line ``...`` stands for any number of lines (none included),
  and times are compared as ``<time>`` (``in 3.0 s``, ``in 1.19s``).
- ```python blocks run in the same scratch folder, in README order, in one namespace:
  each block sees what the blocks before it defined (and the files the commands wrote).
- ``<!-- readme-test: skip (reason) -->`` as the last non-blank line before a block
  leaves that block out (a command syntax, a GPU, a Ray cluster, a tool the repo does
  not ship, or the whole test suite). Say why in the parentheses.
- ``--write`` replaces the expected output of every command that differs with its real
  output (a line that differs only in its time keeps the README's); an expected output
  with ``...`` lines is left for hand editing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\b(.*?)-->")
FENCE = re.compile(r"^```(\w*)\s*$")
TIME = re.compile(r"\bin \d+(?:\.\d+)? ?s\b")
ELLIPSIS = "..."
COPIED = ("seeds", "scripts", "Makefile", "pyproject.toml", "README.md")


@dataclass
class Command:
    line: int  # 1-based line of the command in the README
    text: str
    expected: list[str]


@dataclass
class Block:
    lang: str
    line: int  # 1-based line of the opening fence
    body: list[str]
    skip: str | None = None  # the reason, when marked skip
    commands: list[Command] = field(default_factory=list)


def parse(text: str) -> list[Block]:
    """The ```console and ```python blocks of a README, in order."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        end = start + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        lang = m.group(1)
        if lang in ("console", "python"):
            before = next((x for x in reversed(lines[:start]) if x.strip()), "")
            skip = SKIP.search(before)
            block = Block(lang, start + 1, lines[start + 1 : end])
            if skip:
                block.skip = skip.group(1).strip().strip("()").strip() or "no reason"
            if lang == "console":
                block.commands = _commands(block.body, start + 2)
            blocks.append(block)
        i = end + 1
    return blocks


def _commands(body: list[str], first_line: int) -> list[Command]:
    commands: list[Command] = []
    for k, line in enumerate(body):
        if line.startswith("$ "):
            commands.append(Command(first_line + k, line[2:], []))
        elif commands:
            commands[-1].expected.append(line)
        elif line.strip():
            raise ValueError(f"README.md:{first_line + k}: output before any command: {line!r}")
    for command in commands:
        while command.expected and not command.expected[-1].strip():
            command.expected.pop()
    return commands


def normalise(line: str) -> str:
    return TIME.sub("in <time> s", line.rstrip())


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` lines fit ``expected``, where a ``...`` line is any run of lines."""
    want = [normalise(x) for x in expected]
    got = [normalise(x) for x in actual]

    def fit(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i] == ELLIPSIS:
            return any(fit(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and want[i] == got[j] and fit(i + 1, j + 1)

    return fit(0, 0)


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A scratch folder with copies of what the examples read, and ``.venv`` standing for
    the venv that runs this script (stamped as installed, so make installs nothing)."""
    with tempfile.TemporaryDirectory(prefix="readme-") as tmp:
        root = Path(tmp)
        for name in COPIED:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, root / name)
            else:
                shutil.copy2(source, root / name)
        venv = root / ".venv"
        venv.mkdir()
        (venv / "bin").symlink_to(Path(sys.executable).parent, target_is_directory=True)
        time.sleep(0.01)  # the stamps must be newer than the copied pyproject.toml
        for stamp in (".installed", ".installed-test"):
            (venv / stamp).touch()
        yield root


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    old = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + old if old else "")
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(name, None)  # under `make test`, a nested make would say where it is
    for name in ("ALIGNER_CACHE", "RAY_ADDRESS"):
        env.pop(name, None)  # a developer's own settings would change what the CLI prints
    env.setdefault("HF_HUB_OFFLINE", "1")
    env["COLUMNS"] = "100"
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    return env


@dataclass
class Outcome:
    command: Command
    actual: list[str]
    ok: bool


def run_command(command: Command, cwd: Path, env: dict[str, str]) -> Outcome:
    done = subprocess.run(
        ["bash", "-c", command.text],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    actual = done.stdout.rstrip("\n").splitlines() if done.stdout.strip() else []
    return Outcome(command, actual, matches(command.expected, actual))


def run_python(block: Block, cwd: Path, namespace: dict[str, object]) -> None:
    code = compile("\n".join(block.body), f"README.md:{block.line + 1}", "exec")
    here = Path.cwd()
    os.chdir(cwd)
    try:
        exec(code, namespace)
    finally:
        os.chdir(here)


def run_all(text: str, root: Path) -> Iterator[tuple[Block, list[Outcome]]]:
    """Run every block not marked skip, in order; yields each block and, for console
    blocks, the outcome of each command."""
    env = environment()
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for block in parse(text):
        if block.skip is not None:
            continue
        if block.lang == "python":
            run_python(block, root, namespace)
            yield block, []
        else:
            yield block, [run_command(c, root, env) for c in block.commands]


def rewrite(text: str, outcomes: list[Outcome]) -> str:
    """``text`` with the expected output of each failed command (without ``...``)
    replaced by its real output."""
    lines = text.splitlines()
    for outcome in sorted(outcomes, key=lambda o: -o.command.line):
        if outcome.ok or ELLIPSIS in outcome.command.expected:
            continue
        at = outcome.command.line  # the command's index + 1 = first output line's index
        old = outcome.command.expected
        new = [  # a line that differs only in its time keeps the README's
            old[k] if k < len(old) and normalise(old[k]) == normalise(line) else line
            for k, line in enumerate(outcome.actual)
        ]
        lines[at : at + len(old)] = new
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="put the real outputs in README")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    failed: list[Outcome] = []
    with scratch() as root:
        for block, outcomes in run_all(text, root):
            for outcome in outcomes:
                if not outcome.ok:
                    failed.append(outcome)
                    print(f"README.md:{outcome.command.line}: $ {outcome.command.text}")
                    print("  expected:", *outcome.command.expected, sep="\n    ")
                    print("  got:", *outcome.actual, sep="\n    ")
            print(f"README.md:{block.line}: {block.lang} block run", file=sys.stderr)
    if args.write and failed:
        README.write_text(rewrite(text, failed), encoding="utf-8")
        print(f"rewrote the output of {len(failed)} command(s) in {README}")
    return 1 if failed and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
