"""Read articles into ``Document``s: decode, normalise, and strip page furniture.

Inputs are plain-text files (one article each, :mod:`aligner.articles`), JSONL or
Parquet collections. Every problem with an input is an ``InputError`` whose message is
one line that names the file (and the line or row when it applies) and says how to fix
it. Two collections share site recipes over their pairs by link (:func:`share_recipes`).

Cleaning (normalisation and page furniture: credits, captions, related-article lines,
re-post headers ...) is :mod:`aligner.clean`, with site recipes from
:mod:`aligner.recipes`; every line it removes is kept on the ``Document`` with its rule
and its span in the text as read.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from aligner.articles import (
    NO_CLEAN_FIX,
    Read,
    article_rules,
    clean_article,
    furniture_only,
    load_document,
    no_text_left,
    read_article,
    read_file_article,
    read_raw,
    read_text,
    stem_lang,
)
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
from aligner.recipes import Recipe, find_recipe, recipe_for, shared_recipe
from aligner.segment import check_language, segment
from aligner.textfile import HTML_FIX, check_file, decode_file, html_found
from aligner.types import Document, Pairing

__all__ = [
    "ENGLISH_LINKS",
    "KOREAN_LINKS",
    "NO_CLEAN_FIX",
    "CleanRules",
    "Cleaned",
    "Inputs",
    "Read",
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
    "read_article",
    "read_collection",
    "read_inputs",
    "read_jsonl",
    "read_parquet",
    "read_raw",
    "read_side",
    "read_text",
    "recipe_of",
    "rules_for",
    "share_recipes",
]

logger = logging.getLogger(__name__)


_OPTIONAL = ("title", "url", "original_url", "translation_url", "date")


def _record(
    rec: dict,
    path: Path,
    line: int | None,
    row: int | None,
    lang: str | None,
    clean_furniture: bool,
    recipe: str | None = None,
) -> Read | None:
    """A JSONL (``line``) or Parquet (``row``) record to a document, or None when it is
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
    given = (extra["original_url"], extra["translation_url"])
    urls = (extra["url"], *given)
    text, removed, found, rules = clean_article(
        rec["text"], code, clean_furniture, err, urls, recipe, allow_empty=True
    )
    links = dict(zip(("original_url", "translation_url"), found, strict=True))
    for key, link in links.items():
        extra[key] = extra[key] or link  # the record's own field wins
    source = f"{path}:{line}" if row is None else f"{path}#{row}"
    doc = Document(str(rec["id"]), code, text, source=source, removed=removed, **extra)
    return Read(doc, rec["text"], given, rules)


def _dedupe(reads: list[tuple[Read, str]], path: Path) -> list[Read]:
    """Ids must be unique per language (``x.en.txt`` and ``x.ko.txt`` share the id ``x``)."""
    if not reads:
        raise InputError("no articles found", path=path, fix="check the file and the lang filter")
    logger.info("%s: read %d article(s)", path, len(reads))
    seen: dict[tuple[str, str], str] = {}
    for read, where in reads:
        doc = read.doc
        key = (doc.lang, doc.doc_id)
        if key in seen:
            raise InputError(
                f"duplicate {doc.lang} id {doc.doc_id!r} at {where} (first at {seen[key]})",
                path=path,
                fix="ids must be unique per language within a collection",
            )
        seen[key] = where
    return [r for r, _ in reads]


def _docs(reads: Sequence[Read]) -> list[Document]:
    return [r.doc for r in reads]


def read_jsonl(
    path: str | Path,
    lang: str | None = None,
    *,
    clean_furniture: bool = True,
    recipe: str | None = None,
) -> list[Document]:
    """Articles from JSONL: one object per line with ``id``, ``lang``, ``text`` and
    optionally ``title``, ``url``, ``original_url``, ``translation_url``, ``date``. With
    ``lang``, records may omit ``lang`` and records in other languages are skipped."""
    return _docs(_jsonl_reads(Path(path), lang, clean_furniture, recipe))


def _jsonl_reads(
    p: Path, lang: str | None, clean_furniture: bool, recipe: str | None
) -> list[Read]:
    lang = normalise_code(lang, p) if lang else None
    raw = decode_file(p)
    out: list[tuple[Read, str]] = []
    for n, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError(f"expected a JSON object, got {type(rec).__name__}")
        except ValueError as e:  # json.JSONDecodeError is a ValueError
            msg = f"invalid JSON at column {e.colno}: {e.msg}" if hasattr(e, "colno") else str(e)
            raise InputError(msg, path=p, line=n, fix="write one JSON object per line") from None
        read = _record(rec, p, n, None, lang, clean_furniture, recipe)
        if read is not None:
            out.append((read, f"line {n}"))
    return _dedupe(out, p)


def read_parquet(
    path: str | Path,
    lang: str | None = None,
    *,
    clean_furniture: bool = True,
    recipe: str | None = None,
) -> list[Document]:
    """Articles from a Parquet file with columns ``id``, ``lang``, ``text`` (and optional
    ``title``, ``url``, ``original_url``, ``translation_url``, ``date``); ``lang`` as in
    ``read_jsonl``."""
    return _docs(_parquet_reads(Path(path), lang, clean_furniture, recipe))


def _parquet_reads(
    p: Path, lang: str | None, clean_furniture: bool, recipe: str | None
) -> list[Read]:
    import pyarrow as pa
    import pyarrow.parquet as pq

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
    out: list[tuple[Read, str]] = []
    for i, rec in enumerate(table.to_pylist()):
        read = _record(rec, p, None, i, lang, clean_furniture, recipe)
        if read is not None:
            out.append((read, f"row {i}"))
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
    return _docs(_collection_reads(Path(path), lang, clean_furniture, recipe))


def _collection_reads(
    p: Path, lang: str | None, clean_furniture: bool, recipe: str | None
) -> list[Read]:
    if lang:
        lang = normalise_code(lang, p)
    if not p.exists():
        raise InputError("not found", path=p, fix="check the path")
    suffix = p.suffix.lower()
    if p.is_file() and suffix in (".jsonl", ".ndjson"):
        return _jsonl_reads(p, lang, clean_furniture, recipe)
    if p.is_file() and suffix in (".parquet", ".pq"):
        return _parquet_reads(p, lang, clean_furniture, recipe)
    if p.is_file() and suffix != ".txt":
        raise InputError(
            f"unsupported file type {suffix or '(none)'!r}",
            path=p,
            fix="pass a directory of .txt files, a .txt, a .jsonl or a .parquet file",
        )
    files = [p] if p.is_file() else _text_files(p)
    out: list[tuple[Read, str]] = []
    for f in files:
        _, file_lang = stem_lang(f)
        if lang and file_lang and file_lang != lang:
            continue
        if not (file_lang or lang):
            raise InputError(
                "cannot tell the language",
                path=f,
                fix="name it <id>.en.txt / <id>.ko.txt, or pass lang",
            )
        read = read_file_article(
            f, file_lang or lang, clean_furniture=clean_furniture, recipe=recipe, allow_empty=True
        )
        out.append((read, str(f)))
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


@dataclass(frozen=True, slots=True)
class Inputs:
    """The articles of both sides of a run, each checked to be in its language, and
    their pairing by link (:func:`aligner.pairing.pair_by_link`) when reading made it to
    share recipes (:func:`share_recipes`; None otherwise), for pairing to use rather
    than make again."""

    en: tuple[Document, ...]
    ko: tuple[Document, ...]
    linked: Pairing | None = None


def load_inputs(
    en: Path,
    ko: Path,
    langs: tuple[str, str] = ("en", "ko"),
    *,
    clean_furniture: bool = True,
    presegmented: bool = False,
    recipe: str | None = None,
) -> tuple[list[Document], list[Document]]:
    """The articles of both sides of a run (:func:`read_inputs`), as two lists."""
    inputs = read_inputs(
        en, ko, langs, clean_furniture=clean_furniture, presegmented=presegmented, recipe=recipe
    )
    return list(inputs.en), list(inputs.ko)


def read_inputs(
    en: Path,
    ko: Path,
    langs: tuple[str, str] = ("en", "ko"),
    *,
    clean_furniture: bool = True,
    presegmented: bool = False,
    recipe: str | None = None,
) -> Inputs:
    """The articles of both sides of a run, each checked to be in its language.

    A single text file is one article; a directory, .jsonl or .parquet is a collection.
    Lines given one sentence per line (``presegmented``) are taken as given, never
    cleaned. Two text files are one pair: each is read once, and a site recipe either of
    them calls for cleans both (unless ``recipe`` names one, checked before anything is
    read). Two collections share recipes over their pairs by link (:func:`share_recipes`)
    unless ``recipe`` names one.
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
        return Inputs(tuple(en_doc), tuple(ko_doc))
    en_reads, ko_reads = (
        read_side(path, lang, clean_furniture=clean_furniture, pair=langs, recipe=recipe)
        for path, lang in zip((en, ko), langs, strict=True)
    )
    if clean_furniture and not recipe:
        en_reads, ko_reads, linked = share_recipes(en_reads, ko_reads, langs)
        return Inputs(tuple(_docs(en_reads)), tuple(_docs(ko_reads)), linked)
    return Inputs(tuple(_docs(en_reads)), tuple(_docs(ko_reads)))


def recipe_of(doc: Document) -> Recipe | None:
    """The recipe a cleaned article called for: by its URLs, else by its text as read
    (the kept text and the lines removed, credit lines included)."""
    urls = (doc.url, doc.original_url, doc.translation_url)
    text = "\n".join([doc.text, *(r.text for r in doc.removed)])
    return recipe_for(urls, text)


def share_recipes(
    en: Sequence[Read], ko: Sequence[Read], pair: tuple[str, str] = ("en", "ko")
) -> tuple[list[Read], list[Read], Pairing]:
    """Two collections, each article cleaned with the recipe its own page calls for:
    where only one article of a pair calls for a site recipe, its partner is cleaned
    again with it, so that both sides of a pair lose the same kinds of lines (a Daily NK
    English page often carries no credit line, its Korean original "/사진=데일리NK"; left
    to the generic rules one caption would be dropped and the other kept, with nothing
    to match). Returns the articles and their pairing by link.

    The partners are those :func:`aligner.pairing.pair_by_link` gives (a link, then a
    shared id), as the pipeline pairs by link first. Articles that only content can pair
    keep their own recipes: content pairing needs the cleaned texts. An article is
    cleaned again from the text it was read from (nothing is read twice) and checked as
    on first reading; one that the partner's recipe would leave empty keeps its own
    cleaning (the recipe fits the partner's page, not this one). The pairing is made
    once: again only if the partner's recipe found another link line in an article."""
    from aligner.pairing import pair_by_link

    linked = pair_by_link(_docs(en), _docs(ko))
    recipes = {id(r.doc): recipe_of(r.doc) for r in (*en, *ko)}
    again: dict[int, Recipe] = {}
    for _, en_doc, ko_doc in linked.pairs:
        en_recipe, ko_recipe = recipes[id(en_doc)], recipes[id(ko_doc)]
        if en_recipe is None and ko_recipe is not None:
            again.setdefault(id(en_doc), ko_recipe)
        elif ko_recipe is None and en_recipe is not None:
            again.setdefault(id(ko_doc), en_recipe)
    redone = {id(r.doc): _clean_again(r, again[id(r.doc)], pair) for r in (*en, *ko)
              if id(r.doc) in again}  # fmt: skip
    redone = {key: read for key, read in redone.items() if read is not None}
    if not redone:
        return list(en), list(ko), linked
    new_en = [redone.get(id(r.doc), r) for r in en]
    new_ko = [redone.get(id(r.doc), r) for r in ko]
    old = {id(r.doc): r.doc for r in (*en, *ko)}
    moved = any(_links(old[key]) != _links(read.doc) for key, read in redone.items())
    if moved:
        return new_en, new_ko, pair_by_link(_docs(new_en), _docs(new_ko))
    swap = {key: read.doc for key, read in redone.items()}

    def new(doc: Document) -> Document:
        return swap.get(id(doc), doc)

    return (
        new_en,
        new_ko,
        Pairing(
            tuple((pid, new(e), new(k)) for pid, e, k in linked.pairs),
            tuple((new(d), why) for d, why in linked.unpaired_en),
            tuple((new(d), why) for d, why in linked.unpaired_ko),
        ),
    )


def _links(doc: Document) -> tuple[str, str]:
    """What :func:`aligner.pairing.pair_by_link` reads of an article besides its id and
    its url, which cleaning never changes."""
    return doc.original_url, doc.translation_url


def _clean_again(read: Read, recipe: Recipe, pair: tuple[str, str]) -> Read | None:
    """``read`` cleaned with ``recipe`` from the text it was read from, as reading it
    with that recipe cleans it (the record's own links winning over its link lines'),
    checked to be in its language; None when the recipe leaves no text."""
    doc = read.doc
    text, removed, found, rules = clean_article(
        read.raw, doc.lang, True, no_text_left(doc.source or None),
        (doc.url, *read.given), recipe.path, allow_empty=True,
    )  # fmt: skip
    if not text.strip() and doc.text.strip():
        logger.warning(
            "%s: the recipe its partner calls for leaves no text; kept as first cleaned",
            doc.source,
        )
        return None
    original, translation = (own or link for own, link in zip(read.given, found, strict=True))
    new = replace(
        doc, text=text, removed=removed, original_url=original, translation_url=translation
    )
    _checked([new], doc.lang, pair)
    return replace(read, doc=new, rules=rules)


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
    return _docs(
        read_side(
            path, lang, clean_furniture=clean_furniture, presegmented=presegmented,
            pair=pair, recipe=recipe,
        )
    )  # fmt: skip


def read_side(
    path: Path,
    lang: str,
    *,
    clean_furniture: bool = True,
    presegmented: bool = False,
    pair: tuple[str, str] = ("en", "ko"),
    recipe: str | None = None,
) -> list[Read]:
    """:func:`load_side`, with what cleaning each article again takes
    (:func:`share_recipes`)."""
    clean_furniture = clean_furniture and not presegmented
    if is_collection(path) and path.exists():
        reads = _collection_reads(path, lang, clean_furniture, recipe)
    else:
        reads = [read_file_article(path, lang, clean_furniture=clean_furniture, recipe=recipe)]
    _checked(_docs(reads), lang, pair)
    return reads


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
