"""One article: its text file read and checked, the cleaning rules its page calls for,
and its cleaning into a :class:`aligner.types.Document` (a :class:`Read`, with what
cleaning it again takes). Collections of articles and the inputs of a run are
:mod:`aligner.documents`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from aligner.clean import clean_text, normalise
from aligner.errors import InputError
from aligner.furniture import CleanRules, page_link
from aligner.languages import normalise_code
from aligner.recipes import rules_for_article
from aligner.textfile import HTML_FIX, decode_file, html_found
from aligner.types import Document, Removed

__all__ = [
    "NO_CLEAN_FIX",
    "Read",
    "article_rules",
    "clean_article",
    "furniture_only",
    "load_document",
    "no_text_left",
    "read_article",
    "read_file_article",
    "read_raw",
    "read_text",
    "stem_lang",
]

logger = logging.getLogger(__name__)


def read_raw(path: str | Path) -> str:
    """A UTF-8 text file as read (BOM dropped), checked to hold some text and no HTML."""
    raw = decode_file(path)
    html = html_found(raw)
    if html:
        raise InputError(html, path=path, fix=HTML_FIX)
    if not raw:
        raise InputError("file is empty", path=path, fix="pass article text")
    if not normalise(raw).strip():
        raise InputError("file contains only whitespace", path=path, fix="pass article text")
    return raw


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file (BOM accepted) and return it normalised. HTML is refused."""
    return normalise(read_raw(path))


# ---------------------------------------------------------------- one article

_LANG_SUFFIX = re.compile(r"\.([a-z]{2})$")


def stem_lang(path: Path) -> tuple[str, str | None]:
    """``x.en.txt`` -> (``x``, ``en``); ``x.txt`` -> (``x``, None)."""
    m = _LANG_SUFFIX.search(path.stem)
    return (path.stem[: m.start()], m.group(1)) if m else (path.stem, None)


NO_CLEAN_FIX = "keep the furniture with --no-clean (clean_furniture=False in Python)"


def furniture_only(removed: tuple[Removed, ...] | tuple[str, ...]) -> str:
    """Why an article has no text left after cleaning, with an example of what went."""
    first = removed[0] if removed else ""
    example = first.text if isinstance(first, Removed) else str(first)
    if len(example) > 60:
        example = example[:57] + "..."
    return (
        f"nothing but page furniture: all {len(removed)} line(s) were removed as credits, "
        f"captions, contact or link lines (e.g. {example!r})"
    )


@dataclass(frozen=True, slots=True)
class Read:
    """One article as read: its document, and what cleaning it again takes without
    reading it again (:func:`aligner.documents.share_recipes`): the text as read, the (original_url,
    translation_url) its record gives (they win over those its link lines give), and
    the rules it was cleaned with (None: not cleaned). ``clean_text(raw, lang, rules)``
    gives its text with the offset of every character in ``raw``."""

    doc: Document
    raw: str
    given: tuple[str, str] = ("", "")
    rules: CleanRules | None = None


def article_rules(
    raw: str, lang: str, urls: tuple[str, ...] = (), recipe: str | None = None
) -> CleanRules:
    """The cleaning rules for one article as read: the recipe named by ``recipe``, else
    the one its URLs (given, or from its own link lines) or its text call for, else the
    generic rules."""
    return rules_for_article(lang, urls + page_link(normalise(raw), lang), raw, recipe)


def clean_article(
    raw: str,
    lang: str,
    clean_furniture: bool,
    err: InputError,
    urls: tuple[str, ...] = (),
    recipe: str | None = None,
    *,
    allow_empty: bool = False,
) -> tuple[str, tuple[Removed, ...], tuple[str, str], CleanRules | None]:
    """Clean ``raw`` with its site's rules; raise ``err`` when nothing is left (unless
    ``allow_empty``: an article of a collection is then kept with no text, and fails
    alone later). Returns the text, the lines removed, the (original_url,
    translation_url) its link lines give and the rules (None: not cleaned)."""
    removed: tuple[Removed, ...] = ()
    normal = normalise(raw)
    text = normal
    rules = None
    if clean_furniture:
        rules = article_rules(raw, lang, urls, recipe)
        done = clean_text(raw, lang, rules)
        text, removed = done.text, done.removed
    links = page_link(normal, lang, rules)
    if not text.strip():
        if allow_empty and removed:
            logger.info("%s: %s", err.path, furniture_only(removed))
            return "", removed, links, rules
        raise err
    return text, removed, links, rules


def no_text_left(path: str | Path | None) -> InputError:
    """The error of an article that cleaning leaves empty."""
    return InputError(
        "no text left after removing page furniture",
        path=path,
        fix=f"check the file, or {NO_CLEAN_FIX}",
    )


def read_article(
    raw: str,
    lang: str,
    doc_id: str,
    *,
    source: str = "",
    clean_furniture: bool = True,
    recipe: str | None = None,
    allow_empty: bool = False,
) -> Read:
    """One article from its text as read (:func:`read_raw`), as :func:`load_document`
    reads a text file: cleaned with the recipe ``recipe`` names, else the one it calls
    for; ``source`` names it in messages and on the document."""
    err = no_text_left(source or None)
    text, removed, (original, translation), rules = clean_article(
        raw, lang, clean_furniture, err, recipe=recipe, allow_empty=allow_empty
    )
    doc = Document(
        doc_id,
        lang,
        text,
        source=source,
        removed=removed,
        original_url=original,
        translation_url=translation,
    )
    return Read(doc, raw, rules=rules)


def load_document(
    path: str | Path,
    lang: str,
    *,
    doc_id: str | None = None,
    clean_furniture: bool = True,
    recipe: str | None = None,
    allow_empty: bool = False,
    raw: str | None = None,
) -> Document:
    """One article from a text file; ``doc_id`` defaults to the stem without ``.en``/``.ko``.
    ``recipe`` forces a site recipe (a name, a path, or ``generic`` for none). ``raw`` is
    the file as :func:`read_raw` read it, when the caller read it already.

    An article that is nothing but page furniture is an error, or with ``allow_empty``
    (an article of a collection) a document with no text, which fails alone when its
    pair is aligned and is recorded as ``failed`` with the reason."""
    return read_file_article(
        path,
        lang,
        doc_id=doc_id,
        clean_furniture=clean_furniture,
        recipe=recipe,
        allow_empty=allow_empty,
        raw=raw,
    ).doc


def read_file_article(
    path: str | Path,
    lang: str,
    *,
    doc_id: str | None = None,
    clean_furniture: bool = True,
    recipe: str | None = None,
    allow_empty: bool = False,
    raw: str | None = None,
) -> Read:
    """:func:`load_document`, with what cleaning the article again takes."""
    p = Path(path)
    lang = normalise_code(lang, p)
    stem, suffix_lang = stem_lang(p)
    if suffix_lang and suffix_lang != lang:
        logger.info("%s: file name says %r but lang=%r was given", p, suffix_lang, lang)
    raw = read_raw(p) if raw is None else raw
    return read_article(
        raw,
        lang,
        doc_id or stem,
        source=str(path),
        clean_furniture=clean_furniture,
        recipe=recipe,
        allow_empty=allow_empty,
    )
