"""Write and check the real-news gold by hand (see corpora/realnews/SOURCE.md).

    python scripts/realnews_tool.py units ID      # candidate units -> work/ID.{en,ko}.units
    python scripts/realnews_tool.py show ID       # the units, numbered, both sides
    python scripts/realnews_tool.py build ID --date 2019-04-12 --en-url U --ko-url U \
        [--source dailynk] [--notes TEXT]         # work/ID.links -> gold/ID.json + manifest
    python scripts/realnews_tool.py check         # validate every gold file

``units`` proposes one unit per line with aligner's segmenter (a newline inside a unit
is written as ``⏎``). Correct the files by hand where the segmenter errs: join two
lines into one (the text between them exactly as in the raw text), or split one.
Each line must occur in the raw text, in order; its span is where it is found.

``work/ID.links`` holds the links judged by hand, one per line, in order:
``0 0`` (1-1), ``1,2 3`` (2-1), ``4 -`` (English only), ``- 5`` (Korean only), and the
furniture units as ``F en 0 1`` / ``F ko 0 2``. Lines starting with ``#`` are comments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import realnews  # noqa: E402
from realnews import Gold  # noqa: E402

WORK = realnews.ROOT / "work"
NEWLINE = "⏎"
LICENSES = {
    "dailynk": "copyrighted",
    "voa": "public-domain (US government work)",
    "usembassy": "public-domain (US government work)",
    "usfk": "public-domain (US government work)",
    "globalvoices": "CC BY 4.0",
}


def _text(pair_id: str, lang: str) -> str:
    p = realnews.find_text(pair_id, lang)
    if p is None:
        sys.exit(f"no text for {pair_id}.{lang}.txt in {[str(d) for d in realnews.TEXT_DIRS]}")
    return p.read_text(encoding="utf-8")


def cmd_units(pair_id: str) -> None:
    if str(realnews.REPO) not in sys.path:
        sys.path.insert(0, str(realnews.REPO))
    from aligner.segment import segment

    WORK.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "ko"):
        out = WORK / f"{pair_id}.{lang}.units"
        if out.exists():
            print(f"{out} exists; not overwritten")
            continue
        sents = segment(_text(pair_id, lang), lang, pair_id)
        out.write_text("".join(s.text.replace("\n", NEWLINE) + "\n" for s in sents), "utf-8")
        print(f"{out}: {len(sents)} units")


def spans(text: str, lines: list[str], name: str) -> list[tuple[int, int]]:
    """Where each unit line occurs in the text, searching forward from the last one."""
    out: list[tuple[int, int]] = []
    pos = 0
    for k, line in enumerate(lines):
        unit = line.replace(NEWLINE, "\n").strip()
        at = text.find(unit, pos)
        if at < 0:
            sys.exit(f"{name}:{k + 1}: unit not found in the text after offset {pos}: {unit!r}")
        out.append((at, at + len(unit)))
        pos = at + len(unit)
    return out


def _unit_lines(pair_id: str, lang: str) -> list[str]:
    p = WORK / f"{pair_id}.{lang}.units"
    return [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]


def cmd_show(pair_id: str) -> None:
    for lang in ("en", "ko"):
        print(f"--- {lang}")
        for i, line in enumerate(_unit_lines(pair_id, lang)):
            print(f"{i:3d} {line}")


def _indices(field: str) -> tuple[int, ...]:
    return () if field == "-" else tuple(int(x) for x in field.split(","))


def parse_links(path: Path) -> tuple[list[realnews.Link], set[int], set[int]]:
    links: list[realnews.Link] = []
    furn: dict[str, set[int]] = {"en": set(), "ko": set()}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        try:
            if parts[0] == "F":
                furn[parts[1]].update(int(x) for x in parts[2:])
            elif len(parts) == 2:
                links.append((_indices(parts[0]), _indices(parts[1])))
            else:
                raise ValueError(line)
        except (ValueError, KeyError, IndexError):
            sys.exit(f"{path}:{number}: cannot read {raw!r}")
    return links, furn["en"], furn["ko"]


def cmd_build(args: argparse.Namespace) -> None:
    pid = args.id
    en_text, ko_text = _text(pid, "en"), _text(pid, "ko")
    en_units = spans(en_text, _unit_lines(pid, "en"), f"{pid}.en.units")
    ko_units = spans(ko_text, _unit_lines(pid, "ko"), f"{pid}.ko.units")
    links, furn_en, furn_ko = parse_links(WORK / f"{pid}.links")
    gold = Gold(
        pid, tuple(en_units), tuple(ko_units), frozenset(furn_en), frozenset(furn_ko), tuple(links)
    )
    errors = realnews.validate(gold, en_text, ko_text)
    if errors:
        sys.exit("\n".join(f"{pid}: {e}" for e in errors))
    realnews.GOLD_DIR.mkdir(parents=True, exist_ok=True)
    (realnews.GOLD_DIR / f"{pid}.json").write_text(realnews.dump_gold(gold), encoding="utf-8")
    entry = {
        "id": pid,
        "source": args.source,
        "split": realnews.split_of(pid),
        "date": args.date,
        "en_url": args.en_url,
        "ko_url": args.ko_url,
        "license": LICENSES.get(args.source, args.license or ""),
        "text_committed": args.source != "dailynk",
        "en_sha256": realnews.sha256(en_text),
        "ko_sha256": realnews.sha256(ko_text),
        "notes": args.notes,
    }
    entries = [e for e in realnews.read_manifest() if e["id"] != pid] + [entry]
    entries.sort(key=lambda e: e["id"])
    realnews.MANIFEST.write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8"
    )
    print(
        f"{pid}: {entry['split']}, {len(en_units)} en / {len(ko_units)} ko units, "
        f"{len(links)} links {realnews.kinds(links)}, furniture {len(furn_en)} / {len(furn_ko)}"
    )


def cmd_check() -> int:
    bad = 0
    entries = realnews.read_manifest()
    for e in entries:
        texts = realnews.load_texts(e)
        en, ko = texts if isinstance(texts, tuple) else (None, None)
        errors = realnews.validate(realnews.read_gold(e["id"]), en, ko)
        for err in errors:
            print(f"{e['id']}: {err}")
        bad += bool(errors)
    print(f"{len(entries)} gold files, {bad} with errors")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("units", "show"):
        sub.add_parser(name).add_argument("id")
    b = sub.add_parser("build")
    b.add_argument("id")
    b.add_argument("--date", required=True)
    b.add_argument("--en-url", required=True)
    b.add_argument("--ko-url", required=True)
    b.add_argument("--source", default="dailynk")
    b.add_argument("--license", default="")
    b.add_argument("--notes", default="")
    sub.add_parser("check")
    args = ap.parse_args(argv)
    if args.cmd == "units":
        cmd_units(args.id)
    elif args.cmd == "show":
        cmd_show(args.id)
    elif args.cmd == "build":
        cmd_build(args)
    else:
        return cmd_check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
