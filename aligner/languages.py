"""Per-language facts: display name, writing scripts, sentence splitter.

English and Korean are the default pair; any other language code works too. A language
in ``LANGUAGES`` gets a name in messages, a script check on its input (``check_script``)
and the splitter chosen for it; a code not in the table (but well formed, such as
``"eu"``) is segmented with sentencex's generic rules and skips the script check.

Splitters (measured in ``docs/segmenters.md``):

* ``kiwi``: kiwipiepy, for Korean;
* ``cjk``: the rule set of ``aligner.cjk`` (cut after 。！？ and their closing quotes), for
  Chinese and Japanese;
* ``sentencex``: sentencex with the language code, for everything else.

The script check judges letters only (``str.isalpha`` minus digits), and only when a text
has at least 20 of them:

* a language written in a dense script (Hangul, Han, Kana: one character per syllable or
  word) needs at least 30% of its letters in its own scripts, each of its characters
  counting ``DENSE_WEIGHT`` (3) letters, since one carries about as much as three Latin
  letters: a Korean report that quotes an English statement verbatim (a Voice of America
  report holds as many English letters as Hangul, or more) still passes, and an English
  text given in its place (no Hangul at all) still fails;
* a language written in an alphabet (Latin, Cyrillic, Greek, ...) fails when one other
  script holds more than half the letters.

Two languages that share a script (German and French) cannot be told apart this way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aligner.errors import InputError

__all__ = [
    "DENSE_SCRIPTS",
    "DENSE_WEIGHT",
    "LANGUAGES",
    "SCRIPTS",
    "Language",
    "check_script",
    "dense_share",
    "language",
    "language_name",
    "normalise_code",
    "script_counts",
]


# Script name -> (label in messages, character class).
SCRIPTS: dict[str, tuple[str, str]] = {
    "Latin": ("Latin letters", "A-Za-z\u00c0-\u024f\u1e00-\u1eff"),
    "Hangul": ("Hangul", "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"),
    "Han": ("Han characters", "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"),
    "Kana": ("Kana", "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"),
    "Cyrillic": ("Cyrillic letters", "\u0400-\u052f"),
    "Greek": ("Greek letters", "\u0370-\u03ff\u1f00-\u1fff"),
    "Arabic": ("Arabic script", "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"),
    "Hebrew": ("Hebrew letters", "\u0590-\u05ff"),
    "Devanagari": ("Devanagari", "\u0900-\u097f"),
    "Thai": ("Thai script", "\u0e00-\u0e7f"),
}
_SCRIPT_RE = {name: re.compile(f"[{chars}]") for name, (_, chars) in SCRIPTS.items()}
# Scripts that write a syllable or a word in one character.
DENSE_SCRIPTS = frozenset({"Hangul", "Han", "Kana"})
_LETTER = re.compile(r"[^\W\d_]")
_MIN_LETTERS = 20
_MIN_OWN_SHARE = 0.3  # dense scripts: at least this share of the letters, weighted
_MAX_FOREIGN_SHARE = 0.5  # alphabets: no other script above this share
# A character of a dense script carries about as much as three Latin letters (a Hangul
# syllable, a Han character); aligner.align.foreign_marks weighs them the same way.
DENSE_WEIGHT = 3


def dense_share(own: int, letters: int) -> float:
    """The share of ``letters`` that ``own`` characters of a dense script hold, each
    counting ``DENSE_WEIGHT`` letters."""
    weighted = DENSE_WEIGHT * own
    return weighted / max(1, weighted + letters - own)


_CODE = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]+)*")

#: The default pair; its messages and signature stay as they always were.
DEFAULT_PAIR = ("en", "ko")


@dataclass(frozen=True, slots=True)
class Language:
    """What aligner knows about one language."""

    code: str
    name: str
    scripts: tuple[str, ...] = ()  # empty: the script check is skipped
    segmenter: str = "sentencex"  # "kiwi", "cjk" or "sentencex"


def _latin(*pairs: str) -> dict[str, Language]:
    return {code: Language(code, name, ("Latin",)) for code, name in (p.split(":") for p in pairs)}


LANGUAGES: dict[str, Language] = {
    "ko": Language("ko", "Korean", ("Hangul",), "kiwi"),
    "zh": Language("zh", "Chinese", ("Han",), "cjk"),
    "ja": Language("ja", "Japanese", ("Han", "Kana"), "cjk"),
    **_latin(
        *("en:English", "de:German", "fr:French", "es:Spanish", "it:Italian"),
        *("pt:Portuguese", "nl:Dutch", "sv:Swedish", "da:Danish", "no:Norwegian"),
        *("nb:Norwegian", "fi:Finnish", "is:Icelandic", "pl:Polish", "cs:Czech"),
        *("sk:Slovak", "sl:Slovenian", "hr:Croatian", "bs:Bosnian", "ro:Romanian"),
        *("hu:Hungarian", "tr:Turkish", "ca:Catalan", "eu:Basque", "gl:Galician"),
        *("et:Estonian", "lv:Latvian", "lt:Lithuanian", "id:Indonesian", "ms:Malay"),
        *("vi:Vietnamese", "tl:Tagalog", "sq:Albanian", "af:Afrikaans", "sw:Swahili"),
    ),
    "ru": Language("ru", "Russian", ("Cyrillic",)),
    "uk": Language("uk", "Ukrainian", ("Cyrillic",)),
    "bg": Language("bg", "Bulgarian", ("Cyrillic",)),
    "mk": Language("mk", "Macedonian", ("Cyrillic",)),
    "be": Language("be", "Belarusian", ("Cyrillic",)),
    "kk": Language("kk", "Kazakh", ("Cyrillic",)),
    "mn": Language("mn", "Mongolian", ("Cyrillic",)),
    "sr": Language("sr", "Serbian", ("Cyrillic", "Latin")),
    "el": Language("el", "Greek", ("Greek",)),
    "ar": Language("ar", "Arabic", ("Arabic",)),
    "fa": Language("fa", "Persian", ("Arabic",)),
    "ur": Language("ur", "Urdu", ("Arabic",)),
    "he": Language("he", "Hebrew", ("Hebrew",)),
    "hi": Language("hi", "Hindi", ("Devanagari",)),
    "mr": Language("mr", "Marathi", ("Devanagari",)),
    "ne": Language("ne", "Nepali", ("Devanagari",)),
    "th": Language("th", "Thai", ("Thai",)),
}


def normalise_code(code: str | None, path: str | Path | None = None) -> str:
    """``"DE"`` -> ``"de"``; raises ``InputError`` (naming ``path``, the input the code was
    given for, when there is one) for what is not a language code. The one rule for
    language codes: reading, segmenting and the command line all check with it."""
    norm = (code or "").strip().lower()
    if not _CODE.fullmatch(norm):
        raise InputError(
            f"invalid language code {code!r}",
            path=path,
            fix="use an ISO 639-1 code such as 'en', 'ko', 'de', 'fr', 'zh' or 'ja'",
        )
    return norm


def language(code: str) -> Language:
    """The facts for ``code`` (``zh-hant`` is ``zh``); an unknown but well-formed code
    gets its own code as name, no script check and sentencex."""
    norm = normalise_code(code)
    base = re.split(r"[-_]", norm, maxsplit=1)[0]
    return LANGUAGES.get(base) or Language(norm, norm)


def language_name(code: str) -> str:
    return language(code).name


def script_counts(text: str) -> dict[str, int]:
    """How many characters of ``text`` each script of :data:`SCRIPTS` holds."""
    return {name: len(rx.findall(text)) for name, rx in _SCRIPT_RE.items()}


def _script_counts(text: str) -> tuple[int, dict[str, int]]:
    return len(_LETTER.findall(text)), script_counts(text)


def _labels(scripts: tuple[str, ...]) -> str:
    return " or ".join(SCRIPTS[s][0] for s in scripts)


def argument_order_fix(lang: str, pair: tuple[str, str] | None = None) -> str:
    """The fix printed with a script mismatch: the order of the two inputs."""
    if pair is None or tuple(pair) == DEFAULT_PAIR:
        if lang in DEFAULT_PAIR:
            return "check the argument order: English first, then Korean"
        return "check the argument order (source first, then target) and the language codes"
    src, tgt = (language(c) for c in pair)
    return (
        f"check the argument order: {src.name} ({src.code}) first, then {tgt.name} "
        f"({tgt.code}), and --src-lang/--tgt-lang"
    )


def check_script(
    text: str, lang: str, path: str | None = None, pair: tuple[str, str] | None = None
) -> None:
    """Raise ``InputError`` when ``text`` is clearly not written in ``lang``'s scripts.

    See the module docstring for the rules; ``pair`` (source, target) only shapes the
    fix in the message. Languages without a script in the table are not checked.
    """
    info = language(lang)
    if not info.scripts:
        return
    letters, counts = _script_counts(text)
    if letters < _MIN_LETTERS:
        return
    own_count = sum(counts[s] for s in info.scripts)
    own = own_count / letters
    foreign = [(n, s) for s, n in counts.items() if s not in info.scripts]
    top_count, top = max(foreign) if foreign else (0, "")
    fix = argument_order_fix(info.code, pair)
    if set(info.scripts) <= DENSE_SCRIPTS:
        if dense_share(own_count, letters) < _MIN_OWN_SHARE:
            found = (
                f"mostly {SCRIPTS[top][0]}"
                if top_count > letters / 2
                else f"little {_labels(info.scripts)}"
            )
            raise InputError(
                f"expected {info.name} text but found {found} "
                f"({own:.0%} of letters are {_labels(info.scripts)})",
                path=path,
                fix=fix,
            )
        return
    share = top_count / letters
    if share > _MAX_FOREIGN_SHARE:
        raise InputError(
            f"expected {info.name} text but found mostly {SCRIPTS[top][0]} "
            f"({share:.0%} of letters)",
            path=path,
            fix=fix,
        )
