"""aligner: English-Korean sentence alignment into a Parquet parallel corpus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aligner.version import __version__

__all__ = [
    "AlignParams",
    "Aligner",
    "Bead",
    "ContentParams",
    "Document",
    "Sentence",
    "__version__",
    "read_corpus",
    "write_corpus",
]

if TYPE_CHECKING:
    from aligner.align import AlignParams
    from aligner.corpus import read_corpus, write_corpus
    from aligner.pair_flow import Aligner
    from aligner.pairing import ContentParams
    from aligner.types import Bead, Document, Sentence

_LAZY = {
    "Aligner": "aligner.pair_flow",
    "AlignParams": "aligner.align",
    "Bead": "aligner.types",
    "ContentParams": "aligner.pairing",
    "Document": "aligner.types",
    "Sentence": "aligner.types",
    "read_corpus": "aligner.corpus",
    "write_corpus": "aligner.corpus",
}


def __getattr__(name: str) -> Any:
    # Importing the package stays cheap (the CLI's --help); heavy modules load on first use.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'aligner' has no attribute {name!r}")
