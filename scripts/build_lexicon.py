"""Learn a small Korean-English translation lexicon from parallel sentences.

    python scripts/build_lexicon.py [--data DIR] [--method eflomal|dice] [-o lexicon.tsv]
                                    [--min-count 2] [--min-ratio 0.3]

Training data, from the shared evaluation data (``../shared/data`` or
``$ALIGNER_SHARED_DATA``): the Korean-English news pairs of Park et al. (dev + test,
3,000 pairs, CC BY-SA 3.0), the JHE pairs (dev + eval, 1,440, CC BY-SA 3.0) and the
Tatoeba test pairs (2,400, CC BY 2.0 FR). The evaluation sets aligner is measured on
(NTREX, FLORES, WMT24++, real news) are never used.

Words: Korean content morphemes from kiwipiepy (nouns, verb and adjective stems, roots,
Latin words: :func:`aligner.lexical.korean_words`), English words lower-cased with a
crude plural stripped (:func:`aligner.lexical.english_words`) minus a stop list.

``--method eflomal`` word-aligns the sentences with eflomal (Östling and Tiedemann 2016,
``pip install eflomal``, GPL-3.0; run as a separate program through its
``eflomal-align`` command, so nothing of it is linked into aligner) in both directions
and counts the links both directions agree on. ``--method dice`` counts sentence
co-occurrence instead (no word aligner needed). Either way a pair is kept when it was
seen ``--min-count`` times and its count is at least ``--min-ratio`` of both words'
frequencies (for eflomal, of their link counts).

The output is ``korean<TAB>english<TAB>count`` lines, sorted, with a header comment
naming the sources and their licenses (the lexicon is a derived work of CC BY-SA data,
so it is CC BY-SA 3.0 too).
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
for _p in (str(SCRIPTS), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchdata import default_data_dir  # noqa: E402

from aligner.lexical import english_words, korean_tokens, korean_words  # noqa: E402

SOURCES = (
    ("korean-english-news-park/korean-english-park.dev", ".en", ".ko", "CC BY-SA 3.0"),
    ("korean-english-news-park/korean-english-park.test", ".en", ".ko", "CC BY-SA 3.0"),
    ("jhe-korean-english/jhe-koen-dev", ".en", ".ko", "CC BY-SA 3.0"),
    ("jhe-korean-english/jhe-koen-eval", ".en", ".ko", "CC BY-SA 3.0"),
    ("tatoeba-eng-kor/tatoeba-test-v2021-08-07", ".eng", ".kor", "CC BY 2.0 FR"),
)

ATTRIBUTION = (
    "Korean-English news v1 dev+test (Park, Hong and Cha 2016) and JHE dev+eval, from "
    "github.com/jungyeul/korean-parallel-corpora; Tatoeba eng-kor test v2021-08-07 "
    "(tatoeba.org contributors) from github.com/Helsinki-NLP/OPUS-MT-testsets"
)

EN_STOP = frozenset(
    str.split(
        """a an the and or but if then of in on at to for from by with without about as into
    onto over under than that this these those there here it its is are was were be been
    being am do doe did done have ha had having will would shall should can could may might
    must not no nor so such too very just also only i me my we us our you your he him his
    she her they them their what which who whom whose when where why how all any both each
    few more most other some own same one two s t don isn wasn aren weren won said say
    says told tell get got make made go went come came take took"""
    )
)


def read_pairs(data: Path) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for stem, en_ext, ko_ext, _ in SOURCES:
        en_path, ko_path = data / (stem + en_ext), data / (stem + ko_ext)
        if not en_path.exists() or not ko_path.exists():
            print(f"missing {en_path} or {ko_path}: skipped", file=sys.stderr)
            continue
        en = en_path.read_text(encoding="utf-8").splitlines()
        ko = ko_path.read_text(encoding="utf-8").splitlines()
        if len(en) != len(ko):
            sys.exit(f"{en_path}: {len(en)} lines but {ko_path}: {len(ko)}")
        pairs += [(e, k) for e, k in zip(en, ko, strict=True) if e.strip() and k.strip()]
    return pairs


def tokenize(pairs: Sequence[tuple[str, str]]) -> tuple[list[list[str]], list[list[str]]]:
    ko_toks = korean_tokens([k for _, k in pairs])
    ko = [korean_words(t) for t in ko_toks]
    en = [[w for w in english_words(e) if w not in EN_STOP and len(w) > 1] for e, _ in pairs]
    return en, ko


def eflomal_links(en: Sequence[list[str]], ko: Sequence[list[str]]) -> Counter[tuple[str, str]]:
    exe = shutil.which("eflomal-align") or str(Path(sys.executable).parent / "eflomal-align")
    if not Path(exe).exists() and shutil.which(exe) is None:
        sys.exit("eflomal-align not found: pip install eflomal, or use --method dice")
    keep = [i for i in range(len(en)) if en[i] and ko[i]]
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "ko.txt").write_text("".join(" ".join(ko[i]) + "\n" for i in keep), "utf-8")
        (t / "en.txt").write_text("".join(" ".join(en[i]) + "\n" for i in keep), "utf-8")
        cmd = [exe, "-s", str(t / "ko.txt"), "-t", str(t / "en.txt")]
        cmd += ["-f", str(t / "fwd"), "-r", str(t / "rev"), "--overwrite"]
        subprocess.run(cmd, check=True, capture_output=True)
        fwd = (t / "fwd").read_text().splitlines()
        rev = (t / "rev").read_text().splitlines()
    links: Counter[tuple[str, str]] = Counter()
    for i, f, r in zip(keep, fwd, rev, strict=True):
        both = set(f.split()) & set(r.split())
        for link in both:
            a, b = link.split("-")
            links[(ko[i][int(a)], en[i][int(b)])] += 1
    return links


def dice_links(en: Sequence[list[str]], ko: Sequence[list[str]]) -> Counter[tuple[str, str]]:
    links: Counter[tuple[str, str]] = Counter()
    for e, k in zip(en, ko, strict=True):
        for a in set(k):
            for b in set(e):
                links[(a, b)] += 1
    return links


def select(
    links: Counter[tuple[str, str]], min_count: int, min_ratio: float, dice: bool,
    en: Sequence[list[str]], ko: Sequence[list[str]],
) -> list[tuple[str, str, int]]:  # fmt: skip
    if dice:
        fk = Counter(w for s in ko for w in set(s))
        fe = Counter(w for s in en for w in set(s))
    else:
        fk, fe = Counter(), Counter()
        for (a, b), c in links.items():
            fk[a] += c
            fe[b] += c
    out = []
    for (a, b), c in links.items():
        if c < min_count:
            continue
        if dice:
            score = 2 * c / (fk[a] + fe[b])
            if score < min_ratio:
                continue
        elif c < min_ratio * fk[a] or c < min_ratio * fe[b]:
            continue
        out.append((a, b, c))
    return sorted(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--method", choices=("eflomal", "dice"), default="eflomal")
    ap.add_argument("-o", "--output", type=Path, default=Path("lexicon.tsv"))
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--min-ratio", type=float, default=0.3)
    args = ap.parse_args(argv)
    data = args.data or default_data_dir()
    pairs = read_pairs(data)
    if not pairs:
        sys.exit(f"no parallel sentences found under {data}")
    en, ko = tokenize(pairs)
    links = eflomal_links(en, ko) if args.method == "eflomal" else dice_links(en, ko)
    rows = select(links, args.min_count, args.min_ratio, args.method == "dice", en, ko)
    licenses = sorted({lic for *_, lic in SOURCES})
    header = [
        f"# Korean-English lexicon, {len(rows)} pairs, learned by scripts/build_lexicon.py "
        f"(--method {args.method} --min-count {args.min_count} --min-ratio {args.min_ratio})",
        f"# from {len(pairs)} sentence pairs: {ATTRIBUTION}",
        f"# source licenses: {', '.join(licenses)}; this file: CC BY-SA 3.0 "
        "(https://creativecommons.org/licenses/by-sa/3.0/)",
    ]
    body = [f"{a}\t{b}\t{c}" for a, b, c in rows]
    args.output.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    print(f"{len(pairs)} sentence pairs -> {len(rows)} lexicon pairs -> {args.output}")
    print(f"{math.ceil(args.output.stat().st_size / 1024)} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
