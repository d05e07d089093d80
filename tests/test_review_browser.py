"""aligner review in a real browser: Debian's chromium driven by Playwright.

The corpus is made by the real aligner from the seed pair, each side given twice (34
English and 38 Korean sentences), so there are enough beads for a reviewer to correct
20 of them. The reviewer works with the keyboard only; the expected beads are worked
out here, action by action, on the bead the page shows under review.

Skips when chromium or Playwright is missing (.ci/run installs both).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from aligner.cli import app as cli_app
from aligner.corpus import write_corpus
from aligner.documents import load_document
from aligner.evaluate import evaluate_paths
from aligner.review import ReviewCorpus
from aligner.reviewserver import make_server, open_app

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_1f513c82f196d388"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAIR = "seed-twice"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def aligned(tmp_path_factory: pytest.TempPathFactory):
    from aligner.pair_flow import Aligner

    al = Aligner()
    en = load_document(SEED.with_suffix(".en.txt"), "en")
    ko = load_document(SEED.with_suffix(".ko.txt"), "ko")
    en = dataclasses.replace(en, text=en.text + "\n\n" + en.text)
    ko = dataclasses.replace(ko, text=ko.text + "\n\n" + ko.text)
    result = al.align_documents(en, ko, pair_id=PAIR)
    path = tmp_path_factory.mktemp("real") / "real.parquet"
    write_corpus(path, [result], metadata=al.metadata())
    return path, al.encoder


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def served(aligned, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    source, encoder = aligned
    corpus = tmp_path / "real.parquet"
    corpus.write_bytes(source.read_bytes())
    server = make_server(open_app(corpus, reviewer="ann", encode=encoder.encode), 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", corpus
    server.shutdown()
    server.server_close()


def open_page(browser, url: str, width: int = 1400):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    page.errors = errors
    return page


def press(page, *keys: str) -> None:
    """Press keys that end in one action, and wait until the page has its answer."""
    before = int(page.evaluate("document.body.dataset.actions || '0'"))
    for key in keys:
        page.keyboard.press(key)
    page.wait_for_function(f"Number(document.body.dataset.actions || 0) > {before}", timeout=60_000)


def current(page) -> tuple[int, int]:
    row = page.locator("#beads tr.current")
    return int(row.get_attribute("data-pos")), int(row.get_attribute("data-id"))


# --------------------------------------------------------------------------- the expected beads

Bead = tuple[tuple[int, ...], tuple[int, ...], bool]


def singles(en: tuple[int, ...], ko: tuple[int, ...]) -> list[Bead]:
    if en and ko:
        return [(en, ko, True)]
    return [((i,), (), True) for i in en] + [((), (j,), True) for j in ko]


def expect(beads: list[Bead], action: str, p: int) -> list[Bead] | None:
    """``beads`` after ``action`` on bead ``p``, or None when the action does not apply."""
    en, ko, _ = beads[p]
    if action == "accept":
        return [*beads[:p], (en, ko, True), *beads[p + 1 :]]
    if action == "reject":
        return [*beads[:p], *singles(en, ()), *singles((), ko), *beads[p + 1 :]]
    if action in ("merge_next", "merge_prev"):
        q = p + 1 if action == "merge_next" else p - 1
        if not 0 <= q < len(beads):
            return None
        lo, hi = min(p, q), max(p, q)
        m_en, m_ko = beads[lo][0] + beads[hi][0], beads[lo][1] + beads[hi][1]
        if not (m_en and m_ko):
            return None
        return [*beads[:lo], (m_en, m_ko, True), *beads[hi + 1 :]]
    if action == "split":
        # the page's first cut: the middle of each side (1-1: into 1-0 and 0-1), then
        # the Korean cut moved down and up again, clamped to the bead
        ec, kc = -(-len(en) // 2), -(-len(ko) // 2)
        if ec == len(en) and kc == len(ko):
            kc -= 1
        kc = max(min(max(kc, 0) + 1, len(ko)) - 1, 0)
        a, b = (en[:ec], ko[:kc]), (en[ec:], ko[kc:])
        if not (a[0] or a[1]) or not (b[0] or b[1]):
            return None
        return [*beads[:p], *singles(*a), *singles(*b), *beads[p + 1 :]]
    side = 0 if "_en_" in action else 1
    q = p - 1 if action.endswith("prev") else p + 1
    if not 0 <= q < len(beads) or not beads[p][side]:
        return None
    own, other = list(beads[p][:2]), list(beads[q][:2])
    if q < p:
        other[side], own[side] = other[side] + own[side][:1], own[side][1:]
        pair = [other, own]
    else:
        other[side], own[side] = own[side][-1:] + other[side], own[side][:-1]
        pair = [own, other]
    out = [g for e, k in pair if e or k for g in singles(e, k)]
    lo = min(p, q)
    return [*beads[:lo], *out, *beads[lo + 2 :]]


KEYS = {
    "accept": ["a"],
    "reject": ["r"],
    "merge_prev": ["["],
    "merge_next": ["]"],
    "move_en_prev": ["1"],
    "move_en_next": ["2"],
    "move_ko_prev": ["3"],
    "move_ko_next": ["4"],
    "split": ["s", "ArrowDown", "ArrowUp", "Enter"],
}
PLAN = ["accept", "reject", "merge_next", "split", "move_en_next", "move_ko_prev",
        "merge_prev", "move_ko_next", "move_en_prev", "accept"] * 2  # fmt: skip


def wait_shown(page, *terms: str) -> None:
    """Wait until the page shows the queue asked for with these filter terms."""
    test = " && ".join(f"(document.body.dataset.shown || '').includes('{t}')" for t in terms)
    page.wait_for_function(test)


def shown(page) -> list[tuple[str, bool]]:
    """The queue as listed with every bead shown, pair by pair: (kind, reviewed)."""
    page.select_option("#order", "corpus")
    page.uncheck("#todo")
    wait_shown(page, "order=corpus", "todo=0")
    texts = page.locator("#items li").all_inner_texts()
    return [(t.split()[2], "✓" in t) for t in texts]


def test_a_reviewer_corrects_20_beads_with_the_keyboard(browser, served) -> None:
    url, corpus = served
    original = pl.read_parquet(corpus)
    beads: list[Bead] = [
        (tuple(r["en_idx"]), tuple(r["ko_idx"]), False) for r in original.iter_rows(named=True)
    ]
    page = open_page(browser, url)
    page.select_option("#order", "corpus")  # the queue pair by pair: bead after bead
    wait_shown(page, "order=corpus", "todo=1")
    done = []
    for step, action in enumerate(PLAN):
        p, _ = current(page)
        after = expect(beads, action, p)
        if after is None:  # no neighbour that way, or nothing to split: take the next one
            action = next(a for a in PLAN[step:] + PLAN if expect(beads, a, p) is not None)
            after = expect(beads, action, p)
        press(page, *KEYS[action])
        assert not page.is_visible("#msg.error"), page.inner_text("#msg")
        beads = after
        done.append(action)
        if step == 3:  # accept, reject, merge, split done: reload, and they are kept
            page.reload()
            page.wait_for_selector("body[data-ready='1']")
            assert shown(page) == [(f"{len(e)}-{len(k)}", r) for e, k, r in beads]
            page.check("#todo")
            wait_shown(page, "order=corpus", "todo=1")
    assert {"accept", "reject", "split"} <= set(done)
    assert {a for a in done if a.startswith("merge")} and {a for a in done if a.startswith("move")}
    # the rest of the pair accepted, so that it is fully reviewed
    finals = 0
    while not all(r for _, _, r in beads):
        p, _ = current(page)
        press(page, "a")
        beads = expect(beads, "accept", p)
        finals += 1
    assert "Nothing left" in page.inner_text("#where")
    assert page.errors == []
    journal = ReviewCorpus(corpus).store.journal()
    assert [a["action"] for a in journal] == done + ["accept"] * finals
    assert {a["reviewer"] for a in journal} == {"ann"}

    applied = corpus.with_name("applied.parquet")
    result = CliRunner().invoke(cli_app, ["review", str(corpus), "--apply", "-o", str(applied)])
    assert result.exit_code == 0, result.output
    new = pl.read_parquet(applied)
    assert [
        (tuple(e), tuple(k), r)
        for e, k, r in new.select("en_idx", "ko_idx", "reviewed").iter_rows()
    ] == beads
    old = {(tuple(r["en_idx"]), tuple(r["ko_idx"])): r for r in original.iter_rows(named=True)}
    for r in new.iter_rows(named=True):
        before = old.get((tuple(r["en_idx"]), tuple(r["ko_idx"])))
        assert r["score"] == (before["score"] if before else None)
        assert r["kind"] == f"{len(r['en_idx'])}-{len(r['ko_idx'])}"
    for side in ("en_text", "ko_text"):  # every sentence once, in order
        assert " ".join(t for t in new[side] if t) == " ".join(t for t in original[side] if t)
    changed = sum(
        (tuple(e), tuple(k)) not in old for e, k in new.select("en_idx", "ko_idx").iter_rows()
    )
    assert changed > 10

    gold = corpus.with_name("gold")
    result = CliRunner().invoke(cli_app, ["review", str(corpus), "--export-gold", str(gold)])
    assert result.exit_code == 0, result.output
    scores = evaluate_paths(gold, applied)
    assert (scores.strict_f1, scores.lax_f1) == (1.0, 1.0)
    assert evaluate_paths(gold, corpus).strict_f1 < 1.0  # the corrections count


def test_a_stale_action_is_refused_in_the_page(browser, served) -> None:
    url, corpus = served
    page = open_page(browser, url)
    p, bead = current(page)
    other = ReviewCorpus(corpus)  # another reviewer, another server, the same database
    state = other.state(PAIR)
    other.store.act(PAIR, lambda: other.initial(PAIR), "reject", bead,
                    {bead: state.beads[p].v}, "bob")  # fmt: skip
    press(page, "a")
    assert page.is_visible("#msg.error")
    assert "changed by bob" in page.inner_text("#msg")
    before = other.state(PAIR)
    assert before.beads[p].by == "bob" and before.beads[p].kind in ("1-0", "0-1")
    press(page, "a")  # the page reloaded the pair: the next action goes through
    assert not page.is_visible("#msg.error")
    assert other.state(PAIR).version == before.version + 1


HANGUL_CHECK = """([text, font]) => {
  // Draw each character alone; missing glyphs all draw the same box.
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const g = c.getContext('2d');
  const draw = (ch) => { g.clearRect(0, 0, 64, 64); g.font = '40px ' + font;
    g.fillText(ch, 4, 48); return Array.from(g.getImageData(0, 0, 64, 64).data).join(','); };
  const tofu = draw('\\u{10FFFD}');
  const seen = new Set(Array.from(text).filter((ch) => ch.trim()).map(draw));
  return {distinct: seen.size, tofu: seen.has(tofu)};
}"""


def test_korean_renders_at_800_and_1400_and_cells_jump_to_beads(browser, served) -> None:
    url, corpus = served
    for width in (800, 1400):
        page = open_page(browser, url, width)
        cell = page.locator("#beads tr.current td[lang='ko']")
        text = cell.inner_text()
        assert any("\uac00" <= ch <= "\ud7a3" for ch in text)
        font = cell.evaluate("e => getComputedStyle(e).fontFamily")
        glyphs = page.evaluate(HANGUL_CHECK, [text[:30], font])
        assert not glyphs["tofu"] and glyphs["distinct"] > 5, glyphs
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        selector = "#beads tr.current td[lang='ko'] .s"
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
        assert any("CJK" in f["familyName"] or "Nanum" in f["familyName"] for f in fonts), fonts
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        if width == 1400:
            shot = corpus.with_name("review.png")
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            keep = os.environ.get("ALIGNER_REVIEW_SCREENSHOT")  # e.g. docs/review.png
            if keep:
                shutil.copyfile(shot, keep)
        # a click on a drawing puts the bead there under review
        view = page.evaluate(f"fetch('/api/pair?id={PAIR}').then(r => r.json())")
        for holder, key, n, m in (("#heat", "heat_box", "en_units", "ko_units"),
                                  ("#path", "path_box", "en", "ko")):  # fmt: skip
            two_sided = [b for b in view["beads"] if b["en"] and b["ko"]]
            bead = two_sided[9 if holder == "#heat" else 14]
            page.locator(f"{holder} svg").scroll_into_view_if_needed()
            x, y = page.evaluate(CELL_CENTRE, [holder, bead[key], view["sizes"][n],
                                               view["sizes"][m], view["sizes"]["px"]])  # fmt: skip
            page.mouse.click(x, y)
            page.wait_for_function(
                f"document.querySelector('#beads tr.current').dataset.id === '{bead['id']}'"
            )
        assert page.errors == []
        page.close()


CELL_CENTRE = """([holder, box, n, m, px]) => {
  // report.py draws in a viewBox of -2 -2 px+4 px+4, English across, Korean down
  const r = document.querySelector(holder + ' svg').getBoundingClientRect();
  const k = r.width / (px + 4), sx = px / Math.max(n, 1), sy = px / Math.max(m, 1);
  return [r.left + ((box[0] + box[1]) / 2 * sx + 2) * k,
          r.top + ((box[2] + box[3]) / 2 * sy + 2) * k];
}"""
