// aligner review: the page. Plain script, no library; every call goes to this server.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = {
  info: null,
  queue: { items: [], total: 0, pairs: [] },
  views: {}, // pair id -> the server's view of the pair
  current: null, // {pair, id}
  qi: 0, // index of the current bead in the queue
  split: null, // {en, ko}: cut positions while splitting
  busy: false,
  actions: 0, // actions answered (saved or refused), for tests and screen readers
};

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function num(x) {
  return x === null || x === undefined ? "" : Number(x).toFixed(3);
}

function message(text, error = false) {
  const box = $("#msg");
  box.textContent = text;
  box.className = error ? "error" : "";
  box.hidden = !text;
}

async function call(url, body) {
  const init = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const res = await fetch(url, init);
  const data = await res.json();
  if (!res.ok) {
    const err = new Error(data.error || res.statusText);
    err.status = res.status;
    throw err;
  }
  return data;
}

function params() {
  const q = new URLSearchParams({
    order: $("#order").value,
    pair: $("#pair").value,
    kind: $("#kind").value,
    todo: $("#todo").checked ? "1" : "0",
  });
  return q.toString();
}

async function loadQueue() {
  // answers can come back out of order when filters change quickly: keep the newest
  const asked = params();
  const seq = (state.queueSeq = (state.queueSeq || 0) + 1);
  const queue = await call("/api/queue?" + asked);
  if (seq !== state.queueSeq) return;
  state.queue = queue;
  document.body.dataset.queue = asked;
  const done = state.queue.pairs.reduce((n, p) => n + p.reviewed, 0);
  const all = state.queue.pairs.reduce((n, p) => n + p.beads, 0);
  $("#count").textContent = `${state.queue.total} in the queue; ${done} of ${all} beads reviewed`;
  const list = $("#items");
  list.innerHTML = "";
  state.queue.items.forEach((it, k) => {
    const li = document.createElement("li");
    li.dataset.k = k;
    li.dataset.pair = it.pair_id;
    li.dataset.id = it.id;
    const key = it.key === null ? "—" : num(it.key);
    li.innerHTML = `${esc(it.pair_id)} #${it.pos} ${esc(it.kind)} <small>${key}</small>` +
      (it.reviewed ? ' <span class="r">✓</span>' : "");
    li.addEventListener("click", () => go(k));
    list.appendChild(li);
  });
}

async function loadPair(pair, force = false) {
  if (force || !state.views[pair]) {
    state.views[pair] = await call("/api/pair?id=" + encodeURIComponent(pair));
  }
  return state.views[pair];
}

async function go(k) {
  const items = state.queue.items;
  if (!items.length) {
    state.current = null;
    render();
    return;
  }
  state.qi = Math.max(0, Math.min(k, items.length - 1));
  const it = items[state.qi];
  state.current = { pair: it.pair_id, id: it.id };
  state.split = null;
  await loadPair(it.pair_id);
  render();
}

async function jump(pair, id) {
  state.current = { pair, id };
  state.split = null;
  const k = state.queue.items.findIndex((it) => it.pair_id === pair && it.id === id);
  if (k >= 0) state.qi = k;
  await loadPair(pair);
  render();
}

function currentBead() {
  if (!state.current) return [null, -1];
  const view = state.views[state.current.pair];
  if (!view) return [null, -1];
  const k = view.beads.findIndex((b) => b.id === state.current.id);
  return [view, k];
}

function sentences(list, cut) {
  return list.map((s, q) => `<div class="s${q === cut && q > 0 ? " cut" : ""}">${esc(s)}</div>`).join("");
}

function render() {
  document.querySelectorAll("#items li").forEach((li) => {
    const on = state.current && li.dataset.pair === state.current.pair && Number(li.dataset.id) === state.current.id;
    li.classList.toggle("current", Boolean(on));
    if (on) li.scrollIntoView({ block: "nearest" });
  });
  const body = $("#beads tbody");
  const [view, k] = currentBead();
  if (!view || k < 0) {
    body.innerHTML = "";
    $("#where").textContent = state.queue.items.length ? "" : "Nothing left in this queue.";
    $("#path").innerHTML = "";
    $("#heat").innerHTML = "";
    return;
  }
  const b = view.beads[k];
  const figures = [["score", b.score], ["margin", b.margin], ["prob", b.prob]]
    .filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => `${k} ${num(x)}`);
  const scores = b.changed ? "changed by review" : figures.join(", ") || "no score";
  $("#where").innerHTML = `pair <b>${esc(view.pair_id)}</b> (${esc(view.en_doc_id)} ↔ ${esc(view.ko_doc_id)}), ` +
    `bead ${k} of ${view.beads.length}: <b>${esc(b.kind)}</b>, ${scores}` +
    (b.reviewed ? ` <span class="ok">✓ reviewed by ${esc(b.by)}</span>` : "") +
    (b.guessed ? ' <span class="guess">(sentence boundaries guessed)</span>' : "") +
    (view.cut_note ? ` <span class="guess">${esc(view.cut_note)}</span>` : "");
  const rows = [];
  for (let q = Math.max(0, k - 2); q <= Math.min(view.beads.length - 1, k + 2); q++) {
    const x = view.beads[q];
    const cur = q === k;
    const cut = cur && state.split ? state.split : { en: -1, ko: -1 };
    const enEnd = cur && state.split && state.split.en === x.en_sents.length ? " cutend" : "";
    const koEnd = cur && state.split && state.split.ko === x.ko_sents.length ? " cutend" : "";
    rows.push(
      `<tr class="${cur ? "current" : "ctx"}" data-pos="${q}" data-id="${x.id}" data-kind="${esc(x.kind)}" data-reviewed="${x.reviewed}">` +
      `<td class="meta">${q} · ${esc(x.kind)}${x.reviewed ? ' <span class="ok">✓</span>' : ""}<br>${x.changed ? "" : num(x.score)}</td>` +
      `<td class="t${enEnd}">${sentences(x.en_sents, cut.en)}</td>` +
      `<td class="t${koEnd}" lang="ko">${sentences(x.ko_sents, cut.ko)}</td></tr>`,
    );
  }
  body.innerHTML = rows.join("");
  $("#splithelp").hidden = !state.split;
  drawing("#path", view.path, b.path_box, view.sizes.en, view.sizes.ko, "path_box");
  drawing("#heat", view.heatmap, b.heat_box, view.sizes.en_units, view.sizes.ko_units, "heat_box");
}

function drawing(sel, svgText, box, n, m, boxKey) {
  const holder = $(sel);
  holder.innerHTML = svgText || "";
  const svg = holder.querySelector("svg");
  if (!svg) return;
  const px = state.views[state.current.pair].sizes.px;
  const sx = px / Math.max(n, 1), sy = px / Math.max(m, 1);
  const hl = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  const [x0, x1, y0, y1] = box;
  hl.setAttribute("x", x0 * sx - 1.5);
  hl.setAttribute("y", y0 * sy - 1.5);
  hl.setAttribute("width", Math.max((x1 - x0) * sx, 1) + 3);
  hl.setAttribute("height", Math.max((y1 - y0) * sy, 1) + 3);
  hl.setAttribute("fill", "none");
  hl.setAttribute("stroke", "#d0021b");
  hl.setAttribute("stroke-width", "2.5");
  hl.setAttribute("class", "hl");
  svg.appendChild(hl);
  svg.addEventListener("click", (ev) => {
    const pt = svg.createSVGPoint();
    pt.x = ev.clientX;
    pt.y = ev.clientY;
    const p = pt.matrixTransform(svg.getScreenCTM().inverse());
    const x = p.x / sx, y = p.y / sy;
    const view = state.views[state.current.pair];
    let best = null, bestD = Infinity;
    for (const bead of view.beads) {
      const [a0, a1, b0, b1] = bead[boxKey];
      if (boxKey === "heat_box" && (a0 === a1 || b0 === b1)) continue; // no cell of its own
      const dx = Math.max(a0 - x, 0, x - a1), dy = Math.max(b0 - y, 0, y - b1);
      const d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = bead; }
    }
    if (best) jump(view.pair_id, best.id);
  });
}

function expectFor(view, k) {
  const out = {};
  for (let q = Math.max(0, k - 1); q <= Math.min(view.beads.length - 1, k + 1); q++) {
    out[view.beads[q].id] = view.beads[q].v;
  }
  return out;
}

async function act(action, args) {
  const [view, k] = currentBead();
  if (!view || k < 0 || state.busy) return;
  state.busy = true;
  const bead = view.beads[k];
  try {
    const next = await call("/api/action", {
      pair: view.pair_id, bead: bead.id, action, expect: expectFor(view, k), args: args || {},
    });
    state.views[view.pair_id] = next;
    message(`${action.replace("_", " ")}: saved`);
    await loadQueue();
    if ($("#todo").checked) {
      await go(state.qi);
    } else {
      const still = next.beads.find((b) => b.id === bead.id);
      await jump(view.pair_id, still ? bead.id : next.beads[Math.min(k, next.beads.length - 1)].id);
    }
  } catch (err) {
    message(`Not saved: ${err.message}`, true);
    if (err.status === 409) {
      await loadPair(view.pair_id, true);
      await loadQueue();
      render();
    }
  } finally {
    state.busy = false;
    state.actions += 1;
    document.body.dataset.actions = String(state.actions);
  }
}

function splitKey(key) {
  const [view, k] = currentBead();
  const b = view.beads[k];
  const s = state.split;
  if (key === "Escape") state.split = null;
  else if (key === "ArrowLeft") s.en = Math.max(0, s.en - 1);
  else if (key === "ArrowRight") s.en = Math.min(b.en.length, s.en + 1);
  else if (key === "ArrowUp") s.ko = Math.max(0, s.ko - 1);
  else if (key === "ArrowDown") s.ko = Math.min(b.ko.length, s.ko + 1);
  else if (key === "Enter") {
    const cut = { en_cut: s.en, ko_cut: s.ko };
    state.split = null;
    act("split", cut);
    return;
  } else return;
  render();
}

const KEYS = {
  a: () => act("accept"),
  r: () => act("reject"),
  "[": () => act("merge_prev"),
  "]": () => act("merge_next"),
  1: () => act("move_en_prev"),
  2: () => act("move_en_next"),
  3: () => act("move_ko_prev"),
  4: () => act("move_ko_next"),
  j: () => go(state.qi + 1),
  ArrowDown: () => go(state.qi + 1),
  k: () => go(state.qi - 1),
  ArrowUp: () => go(state.qi - 1),
  s: () => {
    const [view, k] = currentBead();
    if (!view || k < 0) return;
    const b = view.beads[k];
    // the middle of each side; a 1-1 bead splits into 1-0 and 0-1
    const cut = { en: Math.ceil(b.en.length / 2), ko: Math.ceil(b.ko.length / 2) };
    if (cut.en === b.en.length && cut.ko === b.ko.length) cut.ko -= 1;
    state.split = { en: cut.en, ko: Math.max(cut.ko, 0) };
    render();
  },
};

document.addEventListener("keydown", (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.target.closest && ev.target.closest("select, input")) return;
  if (state.split) {
    ev.preventDefault();
    splitKey(ev.key);
    return;
  }
  const fn = KEYS[ev.key];
  if (fn) {
    ev.preventDefault();
    fn();
  }
});

async function refilter(ev) {
  if (ev && ev.target) ev.target.blur();
  await loadQueue();
  await go(0);
  document.body.dataset.shown = params(); // the page now shows this queue
}

async function start() {
  try {
    state.info = await call("/api/info");
    $("#corpus").textContent = state.info.corpus;
    $("#who").textContent = `reviewer: ${state.info.reviewer}; queue by ${state.info.order_by}`;
    document.title = `aligner review: ${state.info.corpus}`;
    for (const p of state.info.pairs) $("#pair").add(new Option(p, p));
    for (const k of state.info.kinds) $("#kind").add(new Option(k, k));
    for (const sel of ["#order", "#pair", "#kind", "#todo"]) $(sel).addEventListener("change", refilter);
    await loadQueue();
    await go(0);
    document.body.dataset.ready = "1";
  } catch (err) {
    message(`Cannot load the review: ${err.message}`, true);
  }
}

start();
