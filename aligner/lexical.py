"""Lexical anchors between an English and a Korean document: evidence besides the encoder.

An *anchor* is a word or name found on both sides of a document pair:

* **Names across scripts.** A Korean proper noun (kiwipiepy's ``NNP``) whose romanisation
  matches a run of capitalised English words: ``신의주`` / Sinuiju, ``회령`` / Hoeryong,
  ``김정은`` / Kim Jong Un. Both sides are reduced to a coarse key that forgives the
  differences between Revised Romanisation, McCune-Reischauer and North Korean spellings
  (``eo``/``ŏ``/``o``, ``k``/``g``, ``ch``/``j``, an initial ``r``/``n`` before ``i``/``y``).
* **Latin words on both sides.** Acronyms and brand names a Korean text keeps in Latin
  script (``UN``, ``NK``, ``COVID``).
* **Lexicon pairs** (optional): Korean and English words that translate each other,
  from a small translation lexicon learned from parallel sentences
  (``scripts/build_lexicon.py``).

:func:`evidence_marks` gives each sentence a 63-bit set of the numbers and anchors it
holds, in the form of :func:`aligner.align.number_marks`, so that the alignment
kernel's number-agreement term scores both. Anchors found in many
sentences of a document say little about which sentence goes with which, so an anchor
held by more than ``max_share`` of either side's sentences is dropped.

Everything here is pure: no I/O except :func:`load_lexicon`, and the DP never sees
anything but the bit sets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from aligner.errors import InputError
from aligner.splitters import kiwi

__all__ = [
    "Lexicon",
    "anchor_keys",
    "default_lexicon",
    "english_name_keys",
    "english_words",
    "evidence_marks",
    "korean_name_keys",
    "korean_words",
    "latin_words",
    "lexical_signature",
    "load_lexicon",
    "name_key",
    "romanize",
]


# Revised Romanisation, syllable by syllable (no sound changes across syllables: the
# coarse key below forgives most of them).
def _table(spec: str) -> tuple[str, ...]:
    """Space-separated romanisations, ``-`` for none."""
    return tuple("" if w == "-" else w for w in spec.split())


_INITIALS = _table("g kk n d tt r m b pp s ss - j jj ch k t p h")
_MEDIALS = _table("a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i")
_FINALS = _table("- k k k n n n t l k m l l l p l m p p t t ng t t k t p t")

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3

# Applied in order to a lower-case ASCII romanisation (either side's).
_DIGRAPHS = (
    ("ph", "p"),
    ("ch", "j"),
    ("sh", "s"),
    ("eo", "o"),
    ("eu", "u"),
    ("ae", "e"),
    ("oe", "e"),
    ("wo", "o"),
    ("ui", "i"),
)
_LETTERS = str.maketrans({"k": "g", "t": "d", "p": "b", "l": "r", "c": "g", "f": "b"})
_REPEAT = re.compile(r"(.)\1+")
# Korean administrative suffixes an English name often leaves out (양강도 / Ryanggang).
_ADMIN_SUFFIXES = ("도", "시", "군", "구", "동", "리", "면", "읍")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*")
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
# Capitalised words of an English name, hyphens and apostrophes inside kept.
_EN_TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:[-'’][A-Za-z\u00c0-\u024f]+)*")
_MIN_KEY = 4
# English words that start sentences or are capitalised for other reasons than names.
_EN_STOP = frozenset(
    _table(
        "the a an and or but in on at of for to from by with as is was were are be this that "
        "these those it its he she they we i you his her their our mr mrs ms dr north south "
        "korea korean koreans"
    )
)


def latin_words(text: str) -> list[str]:
    """Latin-script words with a capital letter or a digit, two characters or more
    (``UN``, ``G7``, ``Sherman``): the words a Korean text may keep untranslated."""
    return [
        w
        for w in _LATIN_WORD.findall(text)
        if len(w) >= 2 and any(ch.isupper() or ch.isdigit() for ch in w)
    ]


def _mostly_hangul(text: str) -> bool:
    hangul = sum(len(r) for r in _HANGUL_RUN.findall(text))
    letters = sum(len(w) for w in _LATIN_WORD.findall(text))
    return hangul > letters


def romanize(hangul: str) -> str:
    """Revised Romanisation of the Hangul syllables in ``hangul`` (other characters dropped)."""
    out = []
    for ch in hangul:
        code = ord(ch)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            code -= _HANGUL_FIRST
            out.append(_INITIALS[code // 588] + _MEDIALS[(code % 588) // 28] + _FINALS[code % 28])
    return "".join(out)


def name_key(latin: str) -> str:
    """A coarse spelling key under which the romanisations of one Korean name agree.

    ``name_key("Hoeryong") == name_key(romanize("회령"))``; so do Sinuiju / 신의주,
    Kaesong / 개성, Ryanggang / 양강, Kim Jong-un / 김정은.
    """
    text = unicodedata.normalize("NFKD", latin.lower())
    text = "".join(ch for ch in text if "a" <= ch <= "z")
    for a, b in _DIGRAPHS:
        text = text.replace(a, b)
    text = _REPEAT.sub(r"\1", text.translate(_LETTERS))
    # North Korean spellings keep an initial r / n that South Korean drops before i / y.
    if len(text) > 2 and text[0] in "rn" and text[1] in "iy":
        text = text[1:]
    return text


def korean_name_keys(tokens: Iterable[tuple[str, str]]) -> set[str]:
    """Name keys of the proper nouns among kiwipiepy ``(form, tag)`` tokens."""
    keys: set[str] = set()
    for form, tag in tokens:
        if tag != "NNP":
            continue
        for run in _HANGUL_RUN.findall(form):
            if len(run) < 2:
                continue
            forms = [run]
            if len(run) >= 3 and run.endswith(_ADMIN_SUFFIXES):
                forms.append(run[:-1])
            for f in forms:
                key = name_key(romanize(f))
                if len(key) >= _MIN_KEY:
                    keys.add(key)
    return keys


def english_name_keys(text: str, max_words: int = 3) -> set[str]:
    """Name keys of every run of up to ``max_words`` capitalised English words."""
    words = [(m.group(), m.start()) for m in _EN_TOKEN.finditer(text)]
    keys: set[str] = set()
    for i in range(len(words)):
        run: list[str] = []
        for word, _ in words[i : i + max_words]:
            if not word[0].isupper() or word.lower() in _EN_STOP:
                break
            run.append(word)
            key = name_key("".join(run))
            if len(key) >= _MIN_KEY:
                keys.add(key)
    return keys


_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def english_words(text: str) -> list[str]:
    """Lower-case English word forms, with a crude plural and possessive stripped.

    The lexicon is built and looked up with this same function, so both agree.
    """
    out = []
    for w in _EN_WORD.findall(text.lower()):
        if w.endswith("'s"):
            w = w[:-2]
        if len(w) > 4 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


# Korean morphemes that carry content: nouns, verb and adjective stems, roots, foreign words.
_KO_CONTENT = frozenset({"NNG", "NNP", "VV", "VA", "XR", "SL", "SH"})


def korean_words(tokens: Iterable[tuple[str, str]]) -> list[str]:
    """The content morphemes of kiwipiepy ``(form, tag)`` tokens (Latin ones lower-cased)."""
    return [form.lower() if tag == "SL" else form for form, tag in tokens if tag in _KO_CONTENT]


def korean_tokens(texts: Sequence[str]) -> list[list[tuple[str, str]]]:
    """kiwipiepy ``(form, tag)`` tokens of each text.

    kiwipiepy cuts a name it does not know into one-syllable nouns (``회령과`` into
    ``회`` + ``령``, ``‘서포’`` into ``서`` + ``포``); such a run of adjacent one-syllable
    nouns is added once more, joined, as a proper noun (``회령``, ``NNP``).
    """
    if not texts:
        return []
    out = []
    for toks in kiwi().tokenize(list(texts)):
        pairs = [(t.form, t.tag) for t in toks]
        run: list = []
        for t in [*toks, None]:
            single = (
                t is not None
                and t.tag in ("NNG", "NNP")
                and len(t.form) == 1
                and (not run or run[-1].start + run[-1].len == t.start)
            )
            if single:
                run.append(t)
                continue
            if len(run) >= 2:
                pairs.append(("".join(r.form for r in run), "NNP"))
            run = [t] if t is not None and t.tag in ("NNG", "NNP") and len(t.form) == 1 else []
        out.append(pairs)
    return out


@dataclass(frozen=True)
class Lexicon:
    """Korean word -> English words it translates to (both in this module's word forms)."""

    pairs: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(v) for v in self.pairs.values())


def load_lexicon(path: Path) -> Lexicon:
    """Read a lexicon written by ``scripts/build_lexicon.py`` (``ko<TAB>en<TAB>count`` lines)."""
    pairs: dict[str, set[str]] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise InputError(f"{path}:{lineno}: expected 'korean<TAB>english[<TAB>count]'")
        pairs.setdefault(parts[0], set()).add(parts[1])
    return Lexicon({k: frozenset(v) for k, v in pairs.items()})


def anchor_keys(
    en: Sequence[str],
    ko: Sequence[str],
    *,
    names: bool = True,
    latin: bool = True,
    lexicon: Lexicon | None = None,
    max_share: float = 0.34,
    ko_tokens: Sequence[Sequence[tuple[str, str]]] | None = None,
) -> tuple[list[set[str]], list[set[str]]]:
    """The anchors shared by the two documents, per sentence of each side.

    Keys are ``n:<name key>`` (names across scripts), ``l:<word>`` (Latin words on both
    sides) and ``x:<korean>:<english>`` (lexicon pairs). Anchors held by more than
    ``max_share`` of either side's sentences (and by more than one sentence) are left
    out. ``ko_tokens`` are kiwipiepy ``(form, tag)`` tokens of ``ko`` when the caller
    has them already.
    """
    if ko_tokens is None:
        ko_tokens = korean_tokens(ko) if (names or lexicon is not None) else [[] for _ in ko]
    en_keys: list[set[str]] = [set() for _ in en]
    ko_keys: list[set[str]] = [set() for _ in ko]
    if names:
        for i, text in enumerate(en):
            en_keys[i] |= {"n:" + k for k in english_name_keys(text)}
        for j, toks in enumerate(ko_tokens):
            ko_keys[j] |= {"n:" + k for k in korean_name_keys(toks)}
    if latin:
        for i, text in enumerate(en):
            en_keys[i] |= {"l:" + w.lower() for w in latin_words(text)}
        for j, text in enumerate(ko):
            if len(_HANGUL_RUN.findall(text)) > 0 and _mostly_hangul(text):
                ko_keys[j] |= {"l:" + w.lower() for w in latin_words(text)}
    if lexicon is not None and lexicon.pairs:
        for j, toks in enumerate(ko_tokens):
            for w in korean_words(toks):
                for e in lexicon.pairs.get(w, ()):
                    ko_keys[j].add(f"x:{w}:{e}")
        wanted: dict[str, set[str]] = {}
        for keys in ko_keys:
            for key in keys:
                if key.startswith("x:"):
                    wanted.setdefault(key.rsplit(":", 1)[1], set()).add(key)
        for i, text in enumerate(en):
            for w in set(english_words(text)) & wanted.keys():
                en_keys[i] |= wanted[w]
    shared = _shared(en_keys, ko_keys, max_share)
    return [k & shared for k in en_keys], [k & shared for k in ko_keys]


def _shared(en_keys: Sequence[set[str]], ko_keys: Sequence[set[str]], max_share: float) -> set[str]:
    def counts(side: Sequence[set[str]]) -> dict[str, int]:
        out: dict[str, int] = {}
        for keys in side:
            for k in keys:
                out[k] = out.get(k, 0) + 1
        return out

    ce, ck = counts(en_keys), counts(ko_keys)
    limit_en = max(1, int(max_share * len(en_keys)))
    limit_ko = max(1, int(max_share * len(ko_keys)))
    return {k for k in ce.keys() & ck.keys() if ce[k] <= limit_en and ck[k] <= limit_ko}


def evidence_marks(
    en: Sequence[str],
    ko: Sequence[str],
    *,
    lexicon: Lexicon | None = None,
    names: bool = True,
    latin: bool = False,
    max_share: float = 0.34,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`aligner.align.number_marks` of both sides with the shared anchors added.

    Anchors take the bits no number of either document uses, one bit each, in key order
    (so that two anchors share a bit only when a document pair holds more anchors than
    there are free bits). The alignment kernel's number-agreement term then rewards a
    bead whose two sides hold the same numbers *and* anchors, and penalises numbers or
    anchors on one side only.
    """
    from aligner.align import number_marks

    num_en, num_ko = number_marks(en), number_marks(ko)
    if not any(_HANGUL_RUN.search(text) for text in ko):
        return num_en, num_ko  # not Korean: no names to romanise, no lexicon words
    en_keys, ko_keys = anchor_keys(
        en, ko, names=names, latin=latin, lexicon=lexicon, max_share=max_share
    )
    keys = sorted(set().union(*en_keys, *ko_keys))
    if not keys:
        return num_en, num_ko
    used = int(np.bitwise_or.reduce(np.concatenate([num_en, num_ko]))) if len(en) + len(ko) else 0
    free = [b for b in range(63) if not used >> b & 1] or list(range(63))
    bit = {k: 1 << free[n % len(free)] for n, k in enumerate(keys)}
    for out, side in ((num_en, en_keys), (num_ko, ko_keys)):
        for idx, ks in enumerate(side):
            for k in ks:
                out[idx] |= bit[k]
    return num_en, num_ko


LEXICON_FILE = "lexicon_koen.tsv"


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon | None:
    """The lexicon shipped with the package (``aligner/lexicon_koen.tsv``), or ``None``
    when this installation has none."""
    from importlib import resources

    ref = resources.files("aligner").joinpath(LEXICON_FILE)
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        return load_lexicon(path)


def lexical_signature() -> str:
    """``names+koen<pairs>`` (the shipped lexicon's size), or ``names`` without one:
    what the corpus signature records of the lexical evidence."""
    lexicon = default_lexicon()
    return f"names+koen{len(lexicon)}" if lexicon is not None else "names"
