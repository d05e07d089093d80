"""Exception hierarchy. The CLI prints ``str(error)`` on one line and exits with 1."""

from __future__ import annotations

from pathlib import Path


class AlignerError(Exception):
    """Root of every error aligner raises on purpose."""


class InputError(AlignerError):
    """Bad input: names the file, the line when known, and the fix."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.fix = fix
        where = ""
        if self.path is not None:
            where = self.path if line is None else f"{self.path}:{line}"
            where += ": "
        text = f"{where}{message}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)

    @classmethod
    def from_os_error(cls, error: OSError) -> InputError:
        """One line for an ``OSError`` that no module turned into an ``AlignerError``."""
        fix = "check the path and its permissions"
        return cls(error.strerror or str(error), path=error.filename, fix=fix)


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    """``value`` when it is one of ``choices``; else an :class:`InputError` naming ``what``
    (an option as the caller spells it: ``--pair``, ``backend``) and the choices."""
    if value not in choices:
        raise InputError(f"unknown {what} {value!r}", fix=f"use one of: {', '.join(choices)}")
    return value


class OutputExistsError(AlignerError):
    """The output path exists and overwriting was not asked for."""


class ModelError(AlignerError):
    """An encoder could not be loaded or used."""


class AlignmentError(AlignerError):
    """The inputs cannot be aligned as given (for example, an empty side)."""


class EvaluationError(AlignerError, ValueError):
    """Gold and predicted alignments cannot be compared as given."""
