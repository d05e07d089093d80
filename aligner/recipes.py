"""Site recipes: furniture and link patterns for one news site, in a TOML file.

A recipe adds its patterns to the generic rules of :mod:`aligner.furniture`; it never takes
a generic rule away. The recipes shipped with aligner live in ``corpora/recipes/``
(``dailynk.toml``, ``usgov.toml``, ``voa.toml``), which an installed aligner (a wheel) carries
as ``aligner/site_recipes/``; ``--recipe PATH`` reads any other. A recipe is chosen for an article

1. by ``--recipe NAME|PATH`` (``generic`` for none), else
2. by the host of the article's ``url`` (or of the link it gives to its other-language
   version) against the recipe's ``hosts``, else
3. by its text: the first recipe one of whose ``detect`` patterns occurs in it (the
   site's own page signs: credit lines, "/사진=데일리NK", "Image: Daily NK", its fixed
   header and footer lines), else the first one of whose ``detect_text`` patterns does
   (weaker signs in body text, "told Daily NK on"), so that a bare ``.txt`` page is
   cleaned as its site wants and a page with another site's own signs is not taken
   for the one its body mentions.

The file::

    name = "dailynk"
    hosts = ["dailynk.com"]          # www. and sub-domains included
    detect = ['/\\s*사진\\s*=\\s*데일리\\s?NK']  # page signs (regular expressions, searched)
    detect_text = ['told\\s+Daily\\s?NK\\s+on']    # weaker signs, tried after every page sign
    drop_captions = true             # captions go (the editions use other photos)

    [en.furniture]                   # rule name = list of line patterns (fullmatch,
    photo_credit = ['...']           #   case-insensitive), removed anywhere
    [en.captions]                    # caption patterns (removed with drop_captions)
    caption = ['...']
    [en.trailing]                    # removed only in the article's trailing block
    [en.links]                       # a line carrying the other version's URL (group 1)
    language_link = ['...']
    [ko.furniture]                   # the same tables for the Korean side
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from aligner.errors import InputError
from aligner.furniture import CleanRules, Rule, rules_for

log = logging.getLogger(__name__)

# corpora/recipes/ is the one copy in git; the build puts its files into the package as
# site_recipes/ (pyproject's package-dir), so an installed aligner reads them there and a
# checkout (PYTHONPATH or an editable install, where site_recipes/ does not exist) from
# corpora/recipes/ itself
_PACKAGE = Path(__file__).resolve().parent
INSTALLED_RECIPE_DIR = _PACKAGE / "site_recipes"
CHECKOUT_RECIPE_DIR = _PACKAGE.parent / "corpora" / "recipes"
GENERIC = "generic"
_SECTIONS = ("furniture", "captions", "trailing", "links")


@dataclass(frozen=True)
class Recipe:
    name: str
    hosts: tuple[str, ...]
    detect: tuple[re.Pattern[str], ...]
    drop_captions: bool
    patterns: dict[str, dict[str, tuple[Rule, ...]]]  # lang -> section -> rules
    path: str = ""
    detect_text: tuple[re.Pattern[str], ...] = ()

    def rules(self, lang: str) -> CleanRules:
        """The generic rules for ``lang`` with this recipe's patterns added."""
        base = rules_for(lang)
        own = self.patterns.get(lang, {})
        return replace(
            base,
            anywhere=base.anywhere + own.get("furniture", ()),
            captions=base.captions + own.get("captions", ()),
            trailing=base.trailing + own.get("trailing", ()),
            links=base.links + own.get("links", ()),
            drop_captions=self.drop_captions,
            recipe=self.name,
        )

    def matches_host(self, url: str) -> bool:
        host = _host(url)
        return bool(host) and any(host == h or host.endswith("." + h) for h in self.hosts)

    def detects(self, text: str) -> bool:
        """The page carries one of the site's own page signs."""
        return any(p.search(text) for p in self.detect)

    def mentions(self, text: str) -> bool:
        """The body carries one of the site's weaker signs (``detect_text``)."""
        return any(p.search(text) for p in self.detect_text)


def _host(url: str) -> str:
    from aligner.pairing import url_key

    return url_key(url).split("/", 1)[0].split("?", 1)[0] if url else ""


def _compile(pattern: object, where: str, path: Path) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise InputError(f"{where}: expected a string pattern, got {pattern!r}", path=path)
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise InputError(
            f"{where}: bad regular expression {pattern!r} ({e})",
            path=path,
            fix="write a Python regular expression (TOML literal strings '...' keep backslashes)",
        ) from None


def _strings(value: object, where: str, path: Path) -> list[object]:
    if not isinstance(value, list):
        raise InputError(f"{where}: expected a list of patterns", path=path)
    return value


def load_recipe(path: str | Path) -> Recipe:
    """Read one recipe file; an InputError names the file and the key that is wrong."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("recipe not found", path=p, fix="check the path") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"not a TOML recipe ({e})", path=p, fix="fix the TOML syntax") from None
    name = str(data.get("name") or p.stem)
    patterns: dict[str, dict[str, tuple[Rule, ...]]] = {}
    for lang in ("en", "ko"):
        for section in _SECTIONS:
            table = data.get(lang, {}).get(section, {})
            if not isinstance(table, dict):
                raise InputError(f"[{lang}.{section}]: expected a table", path=p)
            rules: list[Rule] = []
            for rule, items in table.items():
                where = f"[{lang}.{section}] {rule}"
                for item in _strings(items, where, p):
                    compiled = _compile(item, where, p)
                    if section == "links" and compiled.groups < 1:
                        raise InputError(
                            f"{where}: a link pattern needs a group for the URL: {item!r}",
                            path=p,
                        )
                    rules.append((f"{name}:{rule}", compiled))
            patterns.setdefault(lang, {})[section] = tuple(rules)
    unknown = set(data) - {"name", "hosts", "detect", "detect_text", "drop_captions", "en", "ko"}
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(sorted(unknown))}", path=p)
    hosts = tuple(str(h).lower().removeprefix("www.") for h in data.get("hosts", []))
    detect = tuple(_compile(d, "detect", p) for d in _strings(data.get("detect", []), "detect", p))
    weak = _strings(data.get("detect_text", []), "detect_text", p)
    detect_text = tuple(_compile(d, "detect_text", p) for d in weak)
    return Recipe(
        str(name),
        hosts,
        detect,
        bool(data.get("drop_captions", False)),
        patterns,
        str(p),
        detect_text,
    )


def recipe_dir() -> Path | None:
    """Where the shipped recipes are: the installed package's ``site_recipes/``, else a
    checkout's ``corpora/recipes/``; None when neither exists."""
    for folder in (INSTALLED_RECIPE_DIR, CHECKOUT_RECIPE_DIR):
        if folder.is_dir():
            return folder
    return None


@cache
def shipped_recipes() -> tuple[Recipe, ...]:
    """The recipes shipped with aligner (:func:`recipe_dir`), by file name."""
    folder = recipe_dir()
    if folder is None:
        log.warning(
            "no site recipes in %s or %s: articles get the generic rules only",
            INSTALLED_RECIPE_DIR,
            CHECKOUT_RECIPE_DIR,
        )
        return ()
    return tuple(load_recipe(f) for f in sorted(folder.glob("*.toml")))


def find_recipe(choice: str) -> Recipe | None:
    """``--recipe``: a shipped recipe's name, a path to a TOML file, or ``generic``."""
    if choice == GENERIC:
        return None
    for recipe in shipped_recipes():
        if recipe.name == choice:
            return recipe
    if choice.endswith(".toml") or Path(choice).is_file():
        return load_recipe(choice)
    names = ", ".join([r.name for r in shipped_recipes()] + [GENERIC])
    raise InputError(f"unknown recipe {choice!r}", fix=f"use one of: {names}, or a .toml file")


def recipe_for(urls: Iterable[str], text: str, choice: str | None = None) -> Recipe | None:
    """The recipe for an article: ``choice`` when given, else by URL host, else by text."""
    if choice:
        return find_recipe(choice)
    recipes = shipped_recipes()
    for url in urls:
        for recipe in recipes:
            if url and recipe.matches_host(url):
                return recipe
    for recipe in recipes:
        if recipe.detects(text):
            return recipe
    for recipe in recipes:
        if recipe.mentions(text):
            return recipe
    return None


def shared_recipe(texts: Iterable[str], urls: Iterable[str] = ()) -> str | None:
    """The recipe that one article of a pair calls for, to clean both sides alike: when
    only the Korean page carries the site's credit lines, its English version is still
    that site's (and a caption dropped on one side only would leave the other's
    unmatched). None when no side calls for one."""
    texts = list(texts)
    recipe = recipe_for(urls, "") or next(
        (r for text in texts if (r := recipe_for((), text)) is not None), None
    )
    return recipe.path if recipe is not None else None


def rules_for_article(
    lang: str, urls: Iterable[str], text: str, choice: str | None = None
) -> CleanRules:
    """The cleaning rules for one article: its recipe's, or the generic ones."""
    recipe = recipe_for(urls, text, choice)
    if recipe is not None:
        log.debug("recipe %s for a %s article", recipe.name, lang)
        return recipe.rules(lang)
    return rules_for(lang)
