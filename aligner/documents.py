"""Read articles into ``Document``s: decode, normalise, and strip page furniture.

Inputs are plain-text files (one article each), JSONL or Parquet collections.
Every problem with an input is an ``InputError`` whose message is one line that
names the file (and the line or row when it applies) and says how to fix it.

Cleaning (normalisation and page furniture: credits, captions, related-article lines,
re-post headers ...) is :mod:`aligner.clean`, with site recipes from
:mod:`aligner.recipes`; every line it removes is kept on the ``Document`` with its rule
and its span in the text as read.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from aligner.clean import Cleaned, clean, clean_text, normalise
from aligner.errors import InputError
from aligner.furniture import (
    ENGLISH_LINKS,
    KOREAN_LINKS,
    CleanRules,
    english_link,
    korean_link,
    page_link,
    rules_for,
)
from aligner.languages import normalise_code
from aligner.recipes import Recipe, find_recipe, recipe_for, rules_for_article, shared_recipe
from aligner.segment import check_language, segment
from aligner.textfile import HTML_FIX, check_file, decode_file, html_found
from aligner.types import Document, Removed

__all__ = [
    "ENGLISH_LINKS",
    "KOREAN_LINKS",
    "NO_CLEAN_FIX",
    "CleanRules",
    "Cleaned",
    "article_rules",
    "clean",
    "clean_text",
    "english_link",
    "furniture_only",
    "is_collection",
    "korean_link",
    "load_document",
    "load_inputs",
    "normalise",
    "page_link",
    "read_collection",
    "read_jsonl",
    "read_parquet",
    "read_raw",
    "read_text",
    "recipe_of",
    "rules_for",
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


# ---------------------------------------------------------------- documents

_LANG_SUFFIX = re.compile(r"\.([a-z]{2})$")


def _stem_lang(path: Path) -> tuple[str, str | None]:
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


def article_rules(
    raw: str, lang: str, urls: tuple[str, ...] = (), recipe: str | None = None
) -> CleanRules:
    """The cleaning rules for one article as read: the recipe named by ``recipe``, else
    the one its URLs (given, or from its own link lines) or its text call for, else the
    generic rules."""
    return rules_for_article(lang, urls + page_link(normalise(raw), lang), raw, recipe)


def _finish(
    raw: str,
    lang: str,
    clean_furniture: bool,
    err: InputError,
    urls: tuple[str, ...] = (),
    recipe: str | None = None,
    *,
    allow_empty: bool = False,
) -> tuple[str, tuple[Removed, ...], tuple[str, str]]:
    """Clean ``raw`` with its site's rules; raise ``err`` when nothing is left (unless
    ``allow_empty``: an article of a collection is then kept with no text, and fails
    alone later). Returns the text, the lines removed and the (original_url,
    translation_url) its link lines give."""
    removed: tuple[Removed, ...] = ()
    text = normalise(raw)
    rules = None
    if clean_furniture:
        rules = article_rules(raw, lang, urls, recipe)
        done = clean_text(raw, lang, rules)
        text, removed = done.text, done.removed
    links = page_link(normalise(raw), lang, rules)
    if not text.strip():
        if allow_empty and removed:
            logger.info("%s: %s", err.path, furniture_only(removed))
            return "", removed, links
        raise err
    return text, removed, links


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
    p = Path(path)
    lang = normalise_code(lang, p)
    stem, suffix_lang = _stem_lang(p)
    if suffix_lang and suffix_lang != lang:
        logger.info("%s: file name says %r but lang=%r was given", p, suffix_lang, lang)
    err = InputError(
        "no text left after removing page furniture",
        path=p,
        fix=f"check the file, or {NO_CLEAN_FIX}",
    )
    raw = read_raw(p) if raw is None else raw
    text, removed, (original, translation) = _finish(
        raw, lang, clean_furniture, err, recipe=recipe, allow_empty=allow_empty
    )
    return Document(
        doc_id or stem,
        lang,
        text,
        source=str(path),
        removed=removed,
        original_url=original,
        translation_url=translation,
    )


_OPTIONAL = ("title", "url", "original_url", "translation_url", "date")


def _record(
    rec: dict,
    path: Path,
    line: int | None,
    row: int | None,
    lang: str | None,
    clean_furniture: bool,
    recipe: str | None = None,
) -> Document | None:
    """A JSONL (``line``) or Parquet (``row``) record to a Document, or None when it is
    in another language than ``lang``."""
    where = "" if row is None else f"row {row}: "

    def bad(msg: str, fix: str) -> InputError:
        return InputError(f"{where}{msg}", path=path, line=line, fix=fix)

    for key in ("id", "text") + (() if lang else ("lang",)):
        if rec.get(key) is None:
            raise bad(f"missing required field {key!r}", f"every record needs {key!r}")
    code = rec.get("lang") or lang
    try:
        code = normalise_code(code if isinstance(code, str) else "")
    except InputError as error:  # the record's line or row, not only the file
        raise bad(f"invalid language code {code!r}", error.fix or "") from None
    if lang and code != lang:
        return None
    if not isinstance(rec["text"], str):
        raise bad("field 'text' must be a string", "store the article text as a string")
    if not normalise(rec["text"]).strip():
        raise bad("field 'text' is empty", "drop the record or fill in its text")
    html = html_found(rec["text"])
    if html:
        raise bad(f"field 'text' {html}", HTML_FIX)
    err = bad("no text left after removing page furniture", NO_CLEAN_FIX)
    extra = {k: "" if rec.get(k) is None else str(rec[k]) for k in _OPTIONAL}
    urls = (extra["url"], extra["original_url"], extra["translation_url"])
    text, removed, found = _finish(
        rec["text"], code, clean_furniture, err, urls, recipe, allow_empty=True
    )
    links = dict(zip(("original_url", "translation_url"), found, strict=True))
    for key, link in links.items():
        extra[key] = extra[key] or link  # the record's own field wins
    source = f"{path}:{line}" if row is None else f"{path}#{row}"
    return Document(str(rec["id"]), code, text, source=source, removed=removed, **extra)


def _dedupe(docs: list[tuple[Document, str]], path: Path) -> list[Document]:
    """Ids must be unique per language (``x.en.txt`` and ``x.ko.txt`` share the id ``x``)."""
    if not docs:
        raise InputError("no articles found", path=path, fix="check the file and the lang filter")
    logger.info("%s: read %d article(s)", path, len(docs))
    seen: dict[tuple[str, str], str] = {}
    for doc, where in docs:
        key = (doc.lang, doc.doc_id)
        if key in seen:
            raise InputError(
                f"duplicate {doc.lang} id {doc.doc_id!r} at {where} (first at {seen[key]})",
                path=path,
                fix="ids must be unique per language within a collection",
            )
        seen[key] = where
    return [d for d, _ in docs]


def read_jsonl(
    path: str | Path,
    lang: str | None = None,
    *,
    clean_furniture: bool = True,
    recipe: str | None = None,
    only: Mapping[int, str] | None = None,
) -> list[Document]:
    """Articles from JSONL: one object per line with ``id``, ``lang``, ``text`` and
    optionally ``title``, ``url``, ``original_url``, ``translation_url``, ``date``. With
    ``lang``, records may omit ``lang`` and records in other languages are skipped.
    ``only`` reads just the lines it names (numbered from 1), each with its recipe."""
    p = Path(path)
    lang = normalise_code(lang, p) if lang else None
    raw = decode_file(p)
    out: list[tuple[Document, str]] = []
    for n, line in enumerate(raw.split("\n"), start=1):
        if not line.strip() or (only is not None and n not in only):
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError(f"expected a JSON object, got {type(rec).__name__}")
        except ValueError as e:  # json.JSONDecodeError is a ValueError
            msg = f"invalid JSON at column {e.colno}: {e.msg}" if hasattr(e, "colno") else str(e)
            raise InputError(msg, path=p, line=n, fix="write one JSON object per line") from None
        doc = _record(rec, p, n, None, lang, clean_furniture, only[n] if only else recipe)
        if doc is not None:
            out.append((doc, f"line {n}"))
    return _dedupe(out, p)


def read_parquet(
    path: str | Path,
    lang: str | None = None,
    *,
    clean_furniture: bool = True,
    recipe: str | None = None,
    only: Mapping[int, str] | None = None,
) -> list[Document]:
    """Articles from a Parquet file with columns ``id``, ``lang``, ``text`` (and optional
    ``title``, ``url``, ``original_url``, ``translation_url``, ``date``); ``lang`` and
    ``only`` (rows numbered from 0) as in ``read_jsonl``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = Path(path)
    lang = normalise_code(lang, p) if lang else None
    check_file(p)
    try:
        names = pq.read_schema(p).names
    except (pa.ArrowException, OSError) as e:
        raise InputError(
            f"not a readable Parquet file: {str(e).splitlines()[0]}",
            path=p,
            fix="pass a Parquet file",
        ) from None
    for col in ("id", "text") + (() if lang else ("lang",)):
        if col not in names:
            raise InputError(
                f"missing column {col!r} (columns: {', '.join(names)})",
                path=p,
                fix=f"add a {col!r} column",
            )
    wanted = [c for c in ("id", "lang", "text", *_OPTIONAL) if c in names]
    table = pq.read_table(p, columns=wanted)
    numbers = sorted(only) if only is not None else range(table.num_rows)
    if only is not None:
        table = table.take(numbers)
    out: list[tuple[Document, str]] = []
    for i, rec in zip(numbers, table.to_pylist(), strict=True):
        doc = _record(rec, p, None, i, lang, clean_furniture, only[i] if only else recipe)
        if doc is not None:
            out.append((doc, f"row {i}"))
    return _dedupe(out, p)


def _text_files(root: Path) -> list[Path]:
    """The ``.txt`` files under ``root``, sorted, following symlinked folders (a
    collection assembled from links to other folders) but entering each real folder
    once, so a link back up the tree does not loop."""
    seen: set[str] = set()
    out: list[Path] = []
    for folder, dirs, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            logger.warning("%s: already read through another path (a symlink loop?)", folder)
            dirs.clear()
            continue
        seen.add(real)
        dirs.sort()
        out.extend(Path(folder) / n for n in names if n.endswith(".txt"))
    return sorted(f for f in out if f.is_file())


def read_collection(
    path: str | Path,
    lang: str | None = None,
    *,
    clean_furniture: bool = True,
    recipe: str | None = None,
) -> list[Document]:
    """A directory of ``.txt`` files (searched recursively; language from an ``.en.txt``/
    ``.ko.txt`` suffix, else ``lang``; with ``lang``, files named for another language are
    skipped), a single ``.txt`` file, a ``.jsonl`` or a ``.parquet`` collection.
    ``clean_furniture=False`` keeps every line of every article; ``recipe`` forces a site
    recipe for all of them.

    An article that is nothing but page furniture is kept with no text (and a warning):
    its pair fails alone, recorded as ``failed``, and the batch goes on."""
    p = Path(path)
    if lang:
        lang = normalise_code(lang, p)
    if not p.exists():
        raise InputError("not found", path=p, fix="check the path")
    suffix = p.suffix.lower()
    if p.is_file() and suffix in (".jsonl", ".ndjson"):
        return read_jsonl(p, lang, clean_furniture=clean_furniture, recipe=recipe)
    if p.is_file() and suffix in (".parquet", ".pq"):
        return read_parquet(p, lang, clean_furniture=clean_furniture, recipe=recipe)
    if p.is_file() and suffix != ".txt":
        raise InputError(
            f"unsupported file type {suffix or '(none)'!r}",
            path=p,
            fix="pass a directory of .txt files, a .txt, a .jsonl or a .parquet file",
        )
    files = [p] if p.is_file() else _text_files(p)
    out: list[tuple[Document, str]] = []
    for f in files:
        _, file_lang = _stem_lang(f)
        if lang and file_lang and file_lang != lang:
            continue
        if not (file_lang or lang):
            raise InputError(
                "cannot tell the language",
                path=f,
                fix="name it <id>.en.txt / <id>.ko.txt, or pass lang",
            )
        doc = load_document(
            f, file_lang or lang, clean_furniture=clean_furniture, recipe=recipe, allow_empty=True
        )
        out.append((doc, str(f)))
    if not out:
        raise InputError(
            f"no {'.' + lang + ' ' if lang else ''}.txt files found",
            path=p,
            fix="check the directory and the language suffixes",
        )
    return _dedupe(out, p)


COLLECTION_SUFFIXES = (".jsonl", ".ndjson", ".parquet", ".pq")


def is_collection(path: str | Path) -> bool:
    """A directory, .jsonl or .parquet is a collection; any other file is one text file,
    whatever its extension (doc.en and doc.ko, as parallel corpora name them)."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() in COLLECTION_SUFFIXES


def _checked(docs: list[Document], lang: str, pair: tuple[str, str]) -> list[Document]:
    """The documents, each checked to be written in ``lang`` (its script)."""
    for doc in docs:
        check_language(doc.text, lang, doc.source or doc.doc_id, pair)
    return docs


def load_inputs(
    en: Path,
    ko: Path,
    langs: tuple[str, str] = ("en", "ko"),
    *,
    clean_furniture: bool = True,
    presegmented: bool = False,
    recipe: str | None = None,
) -> tuple[list[Document], list[Document]]:
    """The articles of both sides of a run, each checked to be in its language.

    A single text file is one article; a directory, .jsonl or .parquet is a collection.
    Lines given one sentence per line (``presegmented``) are taken as given, never
    cleaned. Two text files are one pair: each is read once, and a site recipe either of
    them calls for cleans both (unless ``recipe`` names one, checked before anything is
    read).
    """
    langs = (normalise_code(langs[0]), normalise_code(langs[1]))
    if recipe:
        find_recipe(recipe)  # an unknown recipe is an error before any work
    clean_furniture = clean_furniture and not presegmented
    if not is_collection(en) and not is_collection(ko):
        raws = [read_raw(en), read_raw(ko)] if en.is_file() and ko.is_file() else [None, None]
        if not recipe and clean_furniture and raws[0] is not None:
            recipe = shared_recipe(normalise(raw) for raw in raws if raw is not None)
        en_doc, ko_doc = (
            _checked([load_document(path, lang, clean_furniture=clean_furniture,
                                    recipe=recipe, raw=raw)], lang, langs)
            for path, lang, raw in zip((en, ko), langs, raws, strict=True)
        )  # fmt: skip
        return en_doc, ko_doc
    en_docs, ko_docs = (
        load_side(path, lang, clean_furniture=clean_furniture, pair=langs, recipe=recipe)
        for path, lang in zip((en, ko), langs, strict=True)
    )
    if clean_furniture and not recipe:
        en_docs, ko_docs = share_recipes(en_docs, ko_docs, langs)
    return en_docs, ko_docs


def recipe_of(doc: Document) -> Recipe | None:
    """The recipe a cleaned article called for: by its URLs, else by its text as read
    (the kept text and the lines removed, credit lines included)."""
    urls = (doc.url, doc.original_url, doc.translation_url)
    text = "\n".join([doc.text, *(r.text for r in doc.removed)])
    return recipe_for(urls, text)


def share_recipes(
    en_docs: list[Document], ko_docs: list[Document], pair: tuple[str, str] = ("en", "ko")
) -> tuple[list[Document], list[Document]]:
    """Two collections, each article cleaned with the recipe its own page calls for:
    where only one article of a pair calls for a site recipe, its partner is cleaned
    again with it, so that both sides of a pair lose the same kinds of lines (a Daily NK
    English page often carries no credit line, its Korean original "/사진=데일리NK"; left
    to the generic rules one caption would be dropped and the other kept, with nothing
    to match).

    The partners are those :func:`aligner.pairing.pair_by_link` gives (a link, then a
    shared id), as the pipeline pairs by link first. Articles that only content can pair
    keep their own recipes: content pairing needs the cleaned texts. The articles read
    again are read with the collection's own reader, once per file, and checked as on
    first reading; one that the partner's recipe would leave empty keeps its own
    cleaning (the recipe fits the partner's page, not this one)."""
    from aligner.pairing import pair_by_link

    recipes = {id(d): recipe_of(d) for d in (*en_docs, *ko_docs)}
    again: dict[int, tuple[Document, Recipe]] = {}
    for _, en, ko in pair_by_link(en_docs, ko_docs).pairs:
        en_recipe, ko_recipe = recipes[id(en)], recipes[id(ko)]
        if en_recipe is None and ko_recipe is not None:
            again.setdefault(id(en), (en, ko_recipe))
        elif ko_recipe is None and en_recipe is not None:
            again.setdefault(id(ko), (ko, en_recipe))
    if not again:
        return en_docs, ko_docs
    redone = _reread(list(again.values()), pair)
    return [redone.get(id(d), d) for d in en_docs], [redone.get(id(d), d) for d in ko_docs]


_JSONL_SOURCE = re.compile(r"(.+\.(?:jsonl|ndjson)):(\d+)", re.IGNORECASE)
_PARQUET_SOURCE = re.compile(r"(.+\.(?:parquet|pq))#(\d+)", re.IGNORECASE)


def _reread(wanted: list[tuple[Document, Recipe]], pair: tuple[str, str]) -> dict[int, Document]:
    """Each document of ``wanted`` read again from its source with its recipe, keyed by
    ``id()`` of the document it replaces; a JSONL or Parquet collection is read once
    for all its records (:func:`read_jsonl`, :func:`read_parquet`), a text file as
    :func:`read_collection` reads it. Documents whose source is gone are left out."""
    by_file: dict[tuple[str, Path, str], dict[int, tuple[Document, Recipe]]] = {}
    found: list[tuple[Document, Document]] = []
    for doc, recipe in wanted:
        src = doc.source or ""
        jsonl, parquet = _JSONL_SOURCE.fullmatch(src), _PARQUET_SOURCE.fullmatch(src)
        m = jsonl or parquet
        if m:
            kind = "jsonl" if jsonl else "parquet"
            at = by_file.setdefault((kind, Path(m.group(1)), doc.lang), {})
            at[int(m.group(2))] = (doc, recipe)
        elif src and Path(src).is_file():
            new = load_document(
                src, doc.lang, doc_id=doc.doc_id, recipe=recipe.path, allow_empty=True
            )
            found.append((doc, new))
    for (kind, path, lang), at in by_file.items():
        if not path.is_file():
            continue
        only = {n: recipe.path for n, (_, recipe) in at.items()}
        read = read_jsonl if kind == "jsonl" else read_parquet
        docs = read(path, lang, only=only)
        sep = ":" if kind == "jsonl" else "#"
        found.extend((at[int((d.source or "").rsplit(sep, 1)[1])][0], d) for d in docs)
    out: dict[int, Document] = {}
    for old, new in found:
        if not new.text.strip() and old.text.strip():
            logger.warning(
                "%s: the recipe its partner calls for leaves no text; kept as first cleaned",
                old.source,
            )
            continue
        out[id(old)] = _checked([new], old.lang, pair)[0]
    return out


def load_side(
    path: Path,
    lang: str,
    *,
    clean_furniture: bool = True,
    presegmented: bool = False,
    pair: tuple[str, str] = ("en", "ko"),
    recipe: str | None = None,
) -> list[Document]:
    """The articles of one side, each checked to be in ``lang``: a single text file is
    one article; a directory, .jsonl or .parquet is a collection. Lines given one
    sentence per line (``presegmented``) are taken as given, never cleaned."""
    clean_furniture = clean_furniture and not presegmented
    if is_collection(path) and path.exists():
        docs = read_collection(path, lang, clean_furniture=clean_furniture, recipe=recipe)
    else:
        docs = [load_document(path, lang, clean_furniture=clean_furniture, recipe=recipe)]
    return _checked(docs, lang, pair)


SEGMENT_FORMATS = ("text", "tsv", "jsonl")


def segment_file(
    path: Path, lang: str, *, clean: bool = True, fmt: str = "text", recipe: str | None = None
) -> list[str]:
    """``aligner segment``: the sentences of one text file (cleaned unless ``clean`` is
    False, checked to be in ``lang``), one line each: the text, or with ``fmt`` tsv (a
    header first) or jsonl their index, paragraph and offsets too."""
    if fmt not in SEGMENT_FORMATS:
        raise InputError(f"unknown format {fmt!r}", fix="use text, tsv or jsonl")
    doc = load_document(path, lang, clean_furniture=clean, recipe=recipe)
    check_language(doc.text, lang, str(path))
    sentences = segment(doc.text, lang, doc_id=doc.doc_id)
    if fmt == "text":
        return [s.text for s in sentences]
    if fmt == "tsv":
        rows = [f"{s.idx}\t{s.paragraph}\t{s.start}\t{s.end}\t{s.text}" for s in sentences]
        return ["idx\tparagraph\tstart\tend\ttext", *rows]
    keys = ("idx", "paragraph", "start", "end", "text")
    return [json.dumps({k: getattr(s, k) for k in keys}, ensure_ascii=False) for s in sentences]
