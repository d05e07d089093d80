"""Pair English articles with their Korean originals by explicit link.

An English article names its original through ``original_url`` (matched against a Korean
article's ``url``) or shares its ``doc_id`` (``story.en.txt`` with ``story.ko.txt``, or
the same ``id`` in two collections). An explicit link wins over a shared id. Articles
with no original are returned with the reason, never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from aligner.types import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pairing:
    pairs: tuple[tuple[str, Document, Document], ...]
    unpaired_en: tuple[tuple[Document, str], ...]
    unpaired_ko: tuple[tuple[Document, str], ...]


def pair_by_link(en_docs: Sequence[Document], ko_docs: Sequence[Document]) -> Pairing:
    by_url = {d.url: d for d in ko_docs if d.url}
    by_id = {d.doc_id: d for d in ko_docs}
    pairs: list[tuple[str, Document, Document]] = []
    unpaired_en: list[tuple[Document, str]] = []
    used: set[str] = set()
    for en in en_docs:
        ko = by_url.get(en.original_url) if en.original_url else None
        if ko is None:
            ko = by_id.get(en.doc_id)
        if ko is None:
            wanted = f"id {en.doc_id!r}"
            if en.original_url:
                wanted = f"url {en.original_url!r} or " + wanted
            unpaired_en.append((en, f"no Korean article with {wanted}"))
            continue
        if ko.doc_id in used:
            log.info(
                "%s: Korean article %s is the original of several English ones",
                en.doc_id,
                ko.doc_id,
            )
        used.add(ko.doc_id)
        pair_id = en.doc_id if en.doc_id == ko.doc_id else f"{en.doc_id}__{ko.doc_id}"
        pairs.append((pair_id, en, ko))
    unpaired_ko = tuple(
        (d, "no English article links to it") for d in ko_docs if d.doc_id not in used
    )
    return Pairing(tuple(pairs), tuple(unpaired_en), unpaired_ko)
