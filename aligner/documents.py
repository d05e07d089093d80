"""Read articles into ``Document``s: decode, normalise, and strip page furniture.

Inputs are plain-text files (one article each), JSONL or Parquet collections.
Every problem with an input is an ``InputError`` whose message is one line that
names the file (and the line or row when it applies) and says how to fix it.

What counts as furniture
------------------------
Cleaning removes whole lines only, and only lines that have no counterpart in the
other language: on the English side translator credits ("*Translated by S & J"),
contact lines ("Please direct any comments or questions ... to ...", a bare e-mail
address), "Read in Korean" links (a URL on such a line becomes the article's
``original_url``, see ``korean_link``) and the author bio at the very end; on the Korean
side reporter bylines ("홍길동 기자 abc@example.com"), copyright lines ("ⓒ ... 무단전재
및 재배포 금지") and "영문 기사 보기" links. Left in, each would be a 1-0 or 0-1 bead
that aligners tend to merge into a neighbour's bead.

Photo captions are *not* removed by default although ``CleanRules`` knows their
shape (" / Daily NK", "/ Source", "(Photo: ...)", "/사진=..."): a caption is real
content that the Korean original carries too, so it aligns like any other sentence.
Removing it on one side only would manufacture an unpaired sentence. Pass
``rules_for(lang, drop_captions=True)`` on both sides to drop captions anyway.

Bio patterns ("<Name> is one of Daily NK's reporters ...") apply only to the trailing
block: the run of blank, furniture and bio lines that ends the article. A sentence of
that shape inside the body stays.

Normalisation removes zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, stray BOMs)
and soft hyphens. For English and Korean news text they carry no meaning, and they
would make otherwise identical sentences differ.
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from aligner.errors import InputError
from aligner.textfile import HTML_FIX, check_file, decode_file, html_found
from aligner.types import Document

logger = logging.getLogger(__name__)

# Line breaks other than \n that str.splitlines() honours; all become \n.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028]")
_ZERO_WIDTH = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n\t]")  # Unicode whitespace (NBSP, U+3000, ...) but \n and \t
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """NFC; every line break to ``\\n``; zero-width characters and soft hyphens removed;
    NBSP and other Unicode spaces to a plain space; trailing spaces stripped per line;
    runs of blank lines collapsed to one blank line; no leading or trailing blank lines.
    Idempotent."""
    text = _LINE_BREAKS.sub("\n", text.replace("\u2029", "\n\n"))
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING.sub("", text)
    text = _BLANK_RUN.sub("\n\n", text)
    return text.strip("\n")


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file (BOM accepted) and return it normalised. HTML is refused."""
    raw = decode_file(path)
    html = html_found(raw)
    if html:
        raise InputError(html, path=path, fix=HTML_FIX)
    if not raw:
        raise InputError("file is empty", path=path, fix="pass article text")
    text = normalise(raw)
    if not text.strip():
        raise InputError("file contains only whitespace", path=path, fix="pass article text")
    return text


# ---------------------------------------------------------------- furniture rules


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


@dataclass(frozen=True)
class CleanRules:
    """Patterns matched against whole lines (stripped, ``fullmatch``).

    ``anywhere``: removed wherever they occur. ``trailing``: removed only in the
    trailing furniture block. ``captions``: removed only when ``drop_captions``.
    """

    anywhere: tuple[re.Pattern[str], ...] = ()
    trailing: tuple[re.Pattern[str], ...] = ()
    captions: tuple[re.Pattern[str], ...] = ()
    drop_captions: bool = False


_EMAIL = r"[\w.+-]+(?:@|\s?\(at\)\s?)[\w-]+(?:\.[\w-]+)+\.?"
_URL = r"(https?://[^\s<>()\[\]\"']+)"

# A "Read in Korean" line that carries its link (Markdown, plain or HTML, as scrapes
# keep it): the English article naming its original. Group 1 is the URL.
KOREAN_LINKS = _rx(
    r"\[\s*(?:read|view)[^\]]{0,40}\bkorean\s*\]\(\s*" + _URL + r"\s*\)\.?",
    r"(?:read|view)(?:\s+(?:this|the))?(?:\s+(?:article|story))?\s+in\s+korean\s*[:\-–—]?\s*"
    r"[(<]?" + _URL + r"[)>]?\.?",
    r"(?:the\s+)?korean\s+(?:version|original)(?:\s+of\s+this\s+(?:article|story))?"
    r"\s*[:\-–—]\s*[(<]?" + _URL + r"[)>]?\.?",
    r"<a\s[^>]*?href\s*=\s*[\"']" + _URL + r"[\"'][^>]*>\s*(?:read|view)[^<]{0,40}\bkorean"
    r"\s*</a>\.?",
)

EN_RULES = CleanRules(
    anywhere=_rx(
        r"\*?\s*(?:translated|translation|edited)\s+by\b.{0,100}",
        r"(?:please\s+)?direct\s+(?:any\s+)?(?:comments|questions|inquiries).{0,160}",
        r"(?:contact|e-?mail)\s+us\s*(?:at|:).{0,100}|contact\s*:.{0,100}",
        r"(?:e-?mail\s*:?\s*)?" + _EMAIL,
        r"(?:read|view)(?:\s+(?:this|the))?(?:\s+(?:article|story))?\s+in\s+korean\.?",
        r"\[?\(?(?:the\s+)?korean\s+version(?:\s+of\s+this\s+(?:article|story))?\)?\]?\.?",
        r"(?:©|ⓒ|\(c\)|copyright\b).{0,120}(?:rights\s+reserved|daily\s?nk).{0,60}",
    )
    + KOREAN_LINKS,
    trailing=_rx(
        # "<Name> is one of Daily NK's reporters ...": needs the outlet, "covers" or a
        # contact, so that a last body sentence about reporters is not taken for a bio.
        r"(?=.*(?:daily\s?nk|reached\s+at|\bcovers\b|@|\(at\)))"
        r"(?-i:[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})\s+is\s+.{0,60}?"
        r"\b(?:reporters?|journalists?|correspondents?|writers?|editors?|contributors?"
        r"|analysts?|researchers?)\b.*",
        r"(?:he|she|they|(?-i:[A-Z][\w.'-]+))\s+(?:can|may)\s+be\s+reached\s+at.{0,100}",
    ),
    captions=_rx(
        r".{3,400}?\s/\s*(?:daily\s?nk|(?-i:[A-Z][\w&.'-]*(?:\s[A-Z][\w&.'-]*){0,4}))",
        r".{3,400}?\((?:photo|image|picture)s?\s*(?::|by|courtesy).{1,80}\)\.?",
    ),
)

_ENGLISH_LABEL = (
    r"(?:(?:영문|영어)\s*(?:기사|버전|판)\s*(?:보기|읽기)?|read\s+(?:this\s+)?in\s+english)"
)
ENGLISH_LINKS = _rx(
    r"\[\s*" + _ENGLISH_LABEL + r"\s*\]\(\s*" + _URL + r"\s*\)\.?",
    _ENGLISH_LABEL + r"\s*[:\-–—]?\s*[(<]?" + _URL + r"[)>]?\.?",
    r"<a\s[^>]*?href\s*=\s*[\"']" + _URL + r"[\"'][^>]*>\s*" + _ENGLISH_LABEL + r"\s*</a>\.?",
)

KO_RULES = CleanRules(
    anywhere=_rx(
        r"[\[(<]?\s*(?:데일리\s?NK\s+)?[가-힣]{2,4}\s*(?:기자|특파원|통신원|객원기자)"
        r"(?:\s*[\]>)])?(?:\s*" + _EMAIL + ")?",
        r"<?\s*(?:저작권자\s*)?(?:ⓒ|©|copyright).{0,80}>?",
        r"<?.{0,40}무단\s*전재.{0,40}>?",
        r"(?:e-?mail\s*:?\s*|이메일\s*:?\s*)?" + _EMAIL,
        r"(?:영문|영어)\s*(?:기사|버전|판)\s*(?:보기|읽기)?|read\s+(?:this\s+)?in\s+english\.?",
    )
    + ENGLISH_LINKS,
    captions=_rx(
        r".{3,400}?/\s*사진\s*=.{1,60}",
        r".{3,400}?\(\s*사진\s*=.{1,60}\)\.?",
    ),
)

_DEFAULT_RULES = {"en": EN_RULES, "ko": KO_RULES}


def rules_for(lang: str, *, drop_captions: bool = False) -> CleanRules:
    """The default rules for a language (none for languages without defaults)."""
    rules = _DEFAULT_RULES.get(lang, CleanRules())
    return replace(rules, drop_captions=drop_captions) if drop_captions else rules


def _matches(patterns: tuple[re.Pattern[str], ...], line: str) -> bool:
    return any(p.fullmatch(line) for p in patterns)


def _first_link(text: str, patterns: tuple[re.Pattern[str], ...]) -> str:
    for line in text.split("\n"):
        stripped = line.strip()
        for pattern in patterns:
            match = pattern.fullmatch(stripped)
            if match:
                return match.group(1).rstrip(".,;")
    return ""


def korean_link(text: str) -> str:
    """The URL of the first "Read in Korean" link line of an English article, or ``""``.

    Scraped articles often keep the link to their original ("[Read in Korean](URL)",
    "Read in Korean: URL", an ``<a href>``), which pairs them by link even when the
    record has no ``original_url``.
    """
    return _first_link(text, KOREAN_LINKS)


def english_link(text: str) -> str:
    """The URL of the first "영문 기사 보기" (or "Read in English") link line of a Korean
    article, or ``""``: the Korean original naming its English version."""
    return _first_link(text, ENGLISH_LINKS)


def page_link(text: str, lang: str) -> tuple[str, str]:
    """(original_url, translation_url) that the article's own link lines give."""
    if lang == "en":
        return korean_link(text), ""
    if lang == "ko":
        return "", english_link(text)
    return "", ""


def clean(text: str, lang: str, rules: CleanRules | None = None) -> tuple[str, tuple[str, ...]]:
    """Remove furniture lines. Returns (cleaned normalised text, removed lines in order)."""
    rules = rules if rules is not None else rules_for(lang)
    lines = normalise(text).split("\n")
    drop = [False] * len(lines)
    for i, line in enumerate(lines):
        s = line.strip()
        if s and (
            _matches(rules.anywhere, s) or (rules.drop_captions and _matches(rules.captions, s))
        ):
            drop[i] = True
    # Trailing block: walk back over blank lines and furniture; bios count there only.
    for i in range(len(lines) - 1, -1, -1):
        s = lines[i].strip()
        if not s or drop[i]:
            continue
        if _matches(rules.trailing, s):
            drop[i] = True
            continue
        break
    removed = tuple(line for line, d in zip(lines, drop, strict=True) if d)
    kept = "\n".join(line for line, d in zip(lines, drop, strict=True) if not d)
    if removed:
        logger.debug("removed %d furniture line(s): %r", len(removed), removed)
    return _BLANK_RUN.sub("\n\n", kept).strip("\n"), removed


# ---------------------------------------------------------------- documents

_LANG_SUFFIX = re.compile(r"\.([a-z]{2})$")
_LANG_CODE = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]+)*")


def _check_lang(lang: str | None, path: str | Path) -> str:
    code = (lang or "").strip().lower()
    if not _LANG_CODE.fullmatch(code):
        raise InputError(f"invalid language code {lang!r}", path=path, fix="use e.g. 'en' or 'ko'")
    return code


def _stem_lang(path: Path) -> tuple[str, str | None]:
    """``x.en.txt`` -> (``x``, ``en``); ``x.txt`` -> (``x``, None)."""
    m = _LANG_SUFFIX.search(path.stem)
    return (path.stem[: m.start()], m.group(1)) if m else (path.stem, None)


NO_CLEAN_FIX = "keep the furniture with --no-clean (clean_furniture=False in Python)"


def furniture_only(removed: tuple[str, ...]) -> str:
    """Why an article has no text left after cleaning, with an example of what went."""
    example = removed[0] if removed else ""
    if len(example) > 60:
        example = example[:57] + "..."
    return (
        f"nothing but page furniture: all {len(removed)} line(s) were removed as credits, "
        f"contact or link lines (e.g. {example!r})"
    )


def _finish(
    text: str, lang: str, clean_furniture: bool, err: InputError, *, allow_empty: bool = False
) -> tuple[str, tuple[str, ...]]:
    """Clean ``text``; raise ``err`` when nothing is left (unless ``allow_empty``: an
    article of a collection is then kept with no text, and fails alone later)."""
    removed: tuple[str, ...] = ()
    if clean_furniture:
        text, removed = clean(text, lang)
    if not text.strip():
        if allow_empty and removed:
            logger.info("%s: %s", err.path, furniture_only(removed))
            return "", removed
        raise err
    return text, removed


def load_document(
    path: str | Path,
    lang: str,
    *,
    doc_id: str | None = None,
    clean_furniture: bool = True,
    allow_empty: bool = False,
) -> Document:
    """One article from a text file; ``doc_id`` defaults to the stem without ``.en``/``.ko``.

    An article that is nothing but page furniture is an error, or with ``allow_empty``
    (an article of a collection) a document with no text, which fails alone when its
    pair is aligned and is recorded as ``failed`` with the reason."""
    p = Path(path)
    lang = _check_lang(lang, p)
    stem, suffix_lang = _stem_lang(p)
    if suffix_lang and suffix_lang != lang:
        logger.info("%s: file name says %r but lang=%r was given", p, suffix_lang, lang)
    err = InputError(
        "no text left after removing page furniture",
        path=p,
        fix=f"check the file, or {NO_CLEAN_FIX}",
    )
    raw = read_text(p)
    original, translation = page_link(raw, lang)
    text, removed = _finish(raw, lang, clean_furniture, err, allow_empty=allow_empty)
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
    if not isinstance(code, str) or not _LANG_CODE.fullmatch(code.strip().lower()):
        raise bad(f"invalid language code {code!r}", "use e.g. 'en' or 'ko'")
    code = code.strip().lower()
    if lang and code != lang:
        return None
    if not isinstance(rec["text"], str):
        raise bad("field 'text' must be a string", "store the article text as a string")
    text = normalise(rec["text"])
    if not text.strip():
        raise bad("field 'text' is empty", "drop the record or fill in its text")
    html = html_found(text)
    if html:
        raise bad(f"field 'text' {html}", HTML_FIX)
    err = bad("no text left after removing page furniture", NO_CLEAN_FIX)
    links = dict(zip(("original_url", "translation_url"), page_link(text, code), strict=True))
    text, removed = _finish(text, code, clean_furniture, err, allow_empty=True)
    extra = {k: "" if rec.get(k) is None else str(rec[k]) for k in _OPTIONAL}
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
    path: str | Path, lang: str | None = None, *, clean_furniture: bool = True
) -> list[Document]:
    """Articles from JSONL: one object per line with ``id``, ``lang``, ``text`` and
    optionally ``title``, ``url``, ``original_url``, ``translation_url``, ``date``. With
    ``lang``, records may omit ``lang`` and records in other languages are skipped."""
    p = Path(path)
    lang = _check_lang(lang, p) if lang else None
    raw = decode_file(p)
    out: list[tuple[Document, str]] = []
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
        doc = _record(rec, p, n, None, lang, clean_furniture)
        if doc is not None:
            out.append((doc, f"line {n}"))
    return _dedupe(out, p)


def read_parquet(
    path: str | Path, lang: str | None = None, *, clean_furniture: bool = True
) -> list[Document]:
    """Articles from a Parquet file with columns ``id``, ``lang``, ``text`` (and optional
    ``title``, ``url``, ``original_url``, ``translation_url``, ``date``); ``lang`` as in
    ``read_jsonl``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = Path(path)
    lang = _check_lang(lang, p) if lang else None
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
    rows = pq.read_table(p, columns=wanted).to_pylist()
    out: list[tuple[Document, str]] = []
    for i, rec in enumerate(rows):
        doc = _record(rec, p, None, i, lang, clean_furniture)
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
    path: str | Path, lang: str | None = None, *, clean_furniture: bool = True
) -> list[Document]:
    """A directory of ``.txt`` files (searched recursively; language from an ``.en.txt``/
    ``.ko.txt`` suffix, else ``lang``; with ``lang``, files named for another language are
    skipped), a single ``.txt`` file, a ``.jsonl`` or a ``.parquet`` collection.
    ``clean_furniture=False`` keeps every line of every article.

    An article that is nothing but page furniture is kept with no text (and a warning):
    its pair fails alone, recorded as ``failed``, and the batch goes on."""
    p = Path(path)
    if lang:
        lang = _check_lang(lang, p)
    if not p.exists():
        raise InputError("not found", path=p, fix="check the path")
    suffix = p.suffix.lower()
    if p.is_file() and suffix in (".jsonl", ".ndjson"):
        return read_jsonl(p, lang, clean_furniture=clean_furniture)
    if p.is_file() and suffix in (".parquet", ".pq"):
        return read_parquet(p, lang, clean_furniture=clean_furniture)
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
        doc = load_document(f, file_lang or lang, clean_furniture=clean_furniture, allow_empty=True)
        out.append((doc, str(f)))
    if not out:
        raise InputError(
            f"no {'.' + lang + ' ' if lang else ''}.txt files found",
            path=p,
            fix="check the directory and the language suffixes",
        )
    return _dedupe(out, p)
