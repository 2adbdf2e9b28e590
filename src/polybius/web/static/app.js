// polybius dashboard: filters kept in the URL, a dyad timeline, a world map, top dyads/actors, an event table
// and the article behind an event. Everything read from the JSON API under api/ (see API-CONTRACT / openapi).
//
// Safety rules of this file (the page runs under a strict Content-Security-Policy):
//   - data from the store (article text, titles, actor names, URLs, anything) reaches the DOM only through
//     text nodes / textContent or setAttribute on non-script attributes; innerHTML is never used;
//   - no inline event handlers, no eval/new Function, no inline styles (colours and sizes are SVG attributes);
//   - links from data are made clickable only when their scheme is http(s).
"use strict";

(() => {
  const FILTERS = ["source", "target", "cameo", "root", "plover", "quad", "since", "until", "country", "min_confidence"];
  const VIEW = ["interval", "sort", "doc", "event"]; // URL keys that are not event filters
  const PAGE = 100;
  const SVGNS = "http://www.w3.org/2000/svg";
  const COLORS = ["#2b6cb0", "#dd6b20"]; // A→B, B→A
  const QUAD_NAMES = { 1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict" };

  const $ = (sel) => document.querySelector(sel);
  let generation = 0; // each render() bumps it; late answers of an older render are dropped
  let world = null; // {features, iso3} once loaded
  let tableRows = []; // events loaded into the table (API order)
  let nextCursor = null;
  let clientSort = null; // {key, dir} for columns the API cannot sort

  // ---------- DOM helpers (text only) ----------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    for (const c of children) append(node, c);
    return node;
  }
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVGNS, tag);
    setAttrs(node, attrs);
    for (const c of children) append(node, c);
    return node;
  }
  function setAttrs(node, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      const key = k.toLowerCase();
      if (key.startsWith("on") || key === "style" || key === "href" || key === "src" || key === "srcdoc") {
        throw new Error(`refusing to set attribute ${k} from data`);
      }
      node.setAttribute(k, String(v));
    }
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function safeLink(url, text) {
    // a link only for http(s) URLs; anything else (javascript:, data:, relative) is shown as plain text
    let parsed = null;
    try {
      parsed = new URL(url);
    } catch (_) {
      parsed = null;
    }
    if (parsed && (parsed.protocol === "http:" || parsed.protocol === "https:")) {
      const a = document.createElement("a");
      a.href = parsed.href;
      a.rel = "noopener noreferrer nofollow";
      a.target = "_blank";
      a.textContent = text || parsed.href;
      return a;
    }
    return el("span", { class: "unsafe-url", title: "not an http(s) link" }, url);
  }
  function fmt(n, digits = 1) {
    return n === null || n === undefined ? "" : Number(n).toFixed(digits);
  }
  function status(msg, isError) {
    const s = $("#status");
    s.textContent = msg || "";
    s.classList.toggle("error", Boolean(isError));
  }

  // ---------- URL state ----------
  function urlParams() {
    return new URLSearchParams(window.location.search);
  }
  function filterParams(p) {
    const q = new URLSearchParams();
    for (const k of FILTERS) {
      const v = p.get(k);
      if (v !== null && v.trim() !== "") q.set(k, v.trim());
    }
    return q;
  }
  function navigate(changes, replace) {
    const p = urlParams();
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === "") p.delete(k);
      else p.set(k, v);
    }
    const url = `${window.location.pathname}?${p.toString()}`;
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    render();
  }
  function interval(p) {
    const v = p.get("interval");
    return ["day", "week", "month"].includes(v) ? v : "month";
  }

  // ---------- API ----------
  async function api(path, params) {
    const url = params && [...params].length ? `api/${path}?${params}` : `api/${path}`;
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    if (!r.ok) {
      let detail = `${r.status} ${r.statusText}`;
      try {
        const body = await r.json();
        if (body && body.detail) detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
      } catch (_) {
        /* not JSON */
      }
      throw new Error(`${path}: ${detail}`);
    }
    return r.json();
  }
  function withParams(base, extra) {
    const q = new URLSearchParams(base);
    for (const [k, v] of Object.entries(extra)) {
      if (v === null || v === undefined || v === "") q.delete(k);
      else q.set(k, v);
    }
    return q;
  }

  // ---------- filters form ----------
  function fillForm(p) {
    const form = $("#filters");
    for (const k of FILTERS.concat(["interval"])) {
      const input = form.elements.namedItem(k);
      if (input) input.value = k === "interval" ? interval(p) : p.get(k) || "";
    }
  }
  function initForm() {
    const root = $("#filters").elements.namedItem("root");
    for (let i = 1; i <= 20; i++) {
      const code = String(i).padStart(2, "0");
      root.append(el("option", { value: code }, code));
    }
    $("#filters").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const form = ev.target;
      const changes = { doc: null, event: null };
      for (const k of FILTERS.concat(["interval"])) {
        const input = form.elements.namedItem(k);
        if (input) changes[k] = input.value.trim();
      }
      for (const k of ["source", "target", "country", "plover"]) {
        if (changes[k]) changes[k] = changes[k].toUpperCase();
      }
      navigate(changes);
    });
    $("#reset").addEventListener("click", () => {
      history.pushState(null, "", window.location.pathname);
      render();
    });
    $("#swap").addEventListener("click", () => {
      const p = urlParams();
      navigate({ source: p.get("target"), target: p.get("source") });
    });
    $("#more").addEventListener("click", loadMore);
    for (const th of document.querySelectorAll("#events th.sortable")) {
      th.addEventListener("click", () => sortBy(th.dataset.sort));
    }
    $("#article-close").addEventListener("click", () => navigate({ doc: null, event: null }));
    window.addEventListener("popstate", render);
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && !$("#article").hidden) navigate({ doc: null, event: null });
    });
  }

  // ---------- render everything for the current URL ----------
  let drawnView = null; // the filters, interval and sort the panels were last drawn for (null: redraw)
  async function render() {
    const gen = ++generation;
    const p = urlParams();
    const f = filterParams(p);
    const view = `${f}|${interval(p)}|${p.get("sort") || ""}`;
    document.body.dataset.state = "loading";
    fillForm(p);
    status("");
    let jobs;
    if (view === drawnView) {
      // only the open article changed: keep the panels, move the table's selection
      for (const tr of document.querySelectorAll("#events tbody tr")) {
        tr.classList.toggle("selected", tr.dataset.eventId === p.get("event"));
      }
      jobs = [renderArticle(gen, p)];
    } else {
      jobs = [renderSummary(gen), renderTimeline(gen, p, f), renderEvents(gen, p, f), renderTops(gen, f), renderMap(gen, f), renderArticle(gen, p)];
    }
    const results = await Promise.allSettled(jobs);
    if (gen !== generation) return;
    const failed = results.filter((r) => r.status === "rejected");
    drawnView = failed.length ? null : view;
    if (failed.length) status(failed.map((r) => r.reason.message).join(" · "), true);
    document.body.dataset.state = failed.length ? "error" : "ready";
  }

  async function renderSummary(gen) {
    const s = await api("summary");
    if (gen !== generation) return;
    const parts = [];
    for (const k of ["documents", "events", "errors"]) {
      if (s[k] !== undefined) parts.push(`${s[k]} ${k}`);
    }
    if (s.dates && s.dates.first) parts.push(`dated ${s.dates.first} … ${s.dates.last}`);
    if (s.last_ingest) parts.push(`last ingest ${s.last_ingest.slice(0, 16).replace("T", " ")}`);
    $("#summary").textContent = parts.length ? `store: ${parts.join(", ")}` : "";
  }

  // ---------- timeline ----------
  function periodStart(s) {
    return Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10));
  }
  function nextPeriod(t, iv) {
    const d = new Date(t);
    if (iv === "day") return t + 864e5;
    if (iv === "week") return t + 7 * 864e5;
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  function isoDay(t) {
    return new Date(t).toISOString().slice(0, 10);
  }

  async function renderTimeline(gen, p, f) {
    const iv = interval(p);
    const src = f.get("source");
    const tgt = f.get("target");
    const dyad = Boolean(src && tgt);
    const requests = [api("series", withParams(f, { interval: iv }))];
    if (dyad) requests.push(api("series", withParams(f, { interval: iv, source: tgt, target: src })));
    const answers = await Promise.all(requests);
    if (gen !== generation) return;
    const labels = dyad ? [`${src}→${tgt}`, `${tgt}→${src}`] : [src || tgt ? `${src || "any"}→${tgt || "any"}` : "all events"];
    const series = answers.map((a, i) => ({ label: labels[i], color: COLORS[i], points: a.series || [], undated: a.undated || 0 }));
    $("#timeline-title").textContent = dyad ? `Dyad ${src} ⇄ ${tgt}: events and Goldstein per ${iv}` : `Events and Goldstein per ${iv}`;
    const legend = $("#legend");
    clear(legend);
    for (const s of series) {
      const total = s.points.reduce((a, b) => a + b.count, 0);
      legend.append(
        el("span", { class: "legend-item", "data-series": s.label }, svgSwatch(s.color), ` ${s.label} (${total} events)`),
      );
    }
    const undated = series.map((s) => s.undated).reduce((a, b) => a + b, 0);
    $("#timeline-note").textContent = undated ? `${undated} events without a date are not drawn.` : "";
    drawTimeline($("#timeline"), series, iv);
  }
  function svgSwatch(color) {
    return svg("svg", { width: 12, height: 12, class: "swatch" }, svg("rect", { width: 12, height: 12, fill: color }));
  }

  function drawTimeline(host, series, iv) {
    clear(host);
    const all = series.flatMap((s) => s.points);
    if (!all.length) {
      host.append(el("p", { class: "empty" }, "No dated events for this filter."));
      return;
    }
    const W = 820;
    const H1 = 150; // counts
    const H2 = 110; // Goldstein
    const M = { l: 48, r: 12, t: 22, gap: 40, b: 24 };
    const H = M.t + H1 + M.gap + H2 + M.b;
    const times = all.map((d) => periodStart(d.period));
    let t0 = Math.min(...times);
    let t1 = nextPeriod(Math.max(...times), iv);
    const pad = (t1 - t0) * 0.01;
    t0 -= pad;
    t1 += pad;
    const x = (t) => M.l + ((t - t0) / (t1 - t0)) * (W - M.l - M.r);
    const maxCount = Math.max(1, ...all.map((d) => d.count));
    const gs = all.map((d) => d.goldstein || 0);
    const gAbs = Math.max(1, ...gs.map(Math.abs));
    const yCount = (v) => M.t + H1 - (v / maxCount) * H1;
    const g0 = M.t + H1 + M.gap + H2 / 2;
    const yG = (v) => g0 - (v / gAbs) * (H2 / 2);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": "event counts and Goldstein sums per period" });

    // axes and grid
    for (const v of niceTicks(0, maxCount, 4)) {
      root.append(svg("line", { x1: M.l, x2: W - M.r, y1: yCount(v), y2: yCount(v), class: "grid" }));
      root.append(svg("text", { x: M.l - 6, y: yCount(v) + 4, class: "tick", "text-anchor": "end" }, String(v)));
    }
    root.append(svg("text", { x: 4, y: M.t - 10, class: "axis-label" }, "events"));
    for (const v of niceTicks(-gAbs, gAbs, 4)) {
      root.append(svg("line", { x1: M.l, x2: W - M.r, y1: yG(v), y2: yG(v), class: v === 0 ? "zero" : "grid" }));
      root.append(svg("text", { x: M.l - 6, y: yG(v) + 4, class: "tick", "text-anchor": "end" }, String(v)));
    }
    root.append(svg("text", { x: 4, y: M.t + H1 + M.gap - 14, class: "axis-label" }, "Goldstein (sum)"));
    for (const t of timeTicks(t0, t1)) {
      root.append(svg("line", { x1: x(t), x2: x(t), y1: M.t, y2: H - M.b, class: "grid" }));
      root.append(svg("text", { x: x(t), y: H - 6, class: "tick", "text-anchor": "middle" }, timeLabel(t, t1 - t0)));
    }

    // bars: each direction gets its half of the period's slot, side by side
    const n = series.length;
    series.forEach((s, i) => {
      const g = svg("g", { class: "series", "data-series": s.label });
      for (const d of s.points) {
        const a = periodStart(d.period);
        const full = Math.max(2, x(nextPeriod(a, iv)) - x(a));
        const slot = Math.min(full, 48); // a lone period in a short range stays a bar, not a wall
        const w = Math.max(1.5, (slot * 0.8) / n);
        const bx = x(a) + (full - slot) / 2 + slot * 0.1 + i * w;
        const quads = d.quad ? Object.entries(d.quad).filter(([, v]) => v).map(([q, v]) => `Q${q} ${v}`).join(", ") : "";
        const tip = `${s.label} ${d.period}: ${d.count} events, Goldstein ${fmt(d.goldstein)}${quads ? ` (${quads})` : ""}`;
        const common = { "data-series": s.label, "data-period": d.period, "data-count": d.count, "data-goldstein": d.goldstein, fill: s.color };
        g.append(
          svg("rect", { ...common, class: "bar count", x: bx, y: yCount(d.count), width: w, height: Math.max(0.5, yCount(0) - yCount(d.count)) }, svg("title", {}, tip)),
        );
        const gv = d.goldstein || 0;
        g.append(
          svg("rect", { ...common, class: "bar goldstein", x: bx, y: Math.min(yG(gv), g0), width: w, height: Math.max(0.5, Math.abs(yG(gv) - g0)) }, svg("title", {}, tip)),
        );
      }
      root.append(g);
    });
    host.append(root);
  }
  function niceTicks(lo, hi, n) {
    const span = hi - lo;
    const raw = span / n;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
    return out;
  }
  function timeTicks(t0, t1) {
    const years = (t1 - t0) / (365.25 * 864e5);
    const out = [];
    const d0 = new Date(t0);
    if (years > 2) {
      const step = Math.ceil(years / 10);
      for (let y = d0.getUTCFullYear() + 1; Date.UTC(y, 0, 1) < t1; y++) if (y % step === 0) out.push(Date.UTC(y, 0, 1));
    } else {
      const months = years * 12;
      const step = months > 12 ? 3 : months > 4 ? 1 : 0;
      if (step) {
        for (let t = Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth() + 1, 1); t < t1; ) {
          if (new Date(t).getUTCMonth() % step === 0) out.push(t);
          const d = new Date(t);
          t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
        }
      } else {
        const days = (t1 - t0) / 864e5;
        const stepDays = Math.max(1, Math.ceil(days / 8));
        for (let t = Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth(), d0.getUTCDate() + 1); t < t1; t += stepDays * 864e5) out.push(t);
      }
    }
    return out;
  }
  function timeLabel(t, span) {
    const s = isoDay(t);
    const years = span / (365.25 * 864e5);
    return years > 2 ? s.slice(0, 4) : years * 12 > 4 ? s.slice(0, 7) : s;
  }

  // ---------- event table ----------
  async function renderEvents(gen, p, f) {
    const sort = p.get("sort") || "date";
    const q = withParams(f, { limit: PAGE, sort: ["date", "-date", "confidence", "-confidence"].includes(sort) ? sort : "date" });
    const page = await api("events", q);
    if (gen !== generation) return;
    tableRows = page.events || [];
    nextCursor = page.next || null;
    clientSort = ["date", "-date", "confidence", "-confidence"].includes(sort) ? null : parseSort(sort);
    $("#events-count").textContent = page.total !== undefined ? `(${page.total} for this filter)` : "";
    $("#events").dataset.total = page.total !== undefined ? page.total : "";
    drawTable(sort);
  }
  function parseSort(s) {
    return s.startsWith("-") ? { key: s.slice(1), dir: -1 } : { key: s, dir: 1 };
  }
  async function loadMore() {
    if (!nextCursor) return;
    const gen = generation;
    const p = urlParams();
    const sort = p.get("sort") || "date";
    const q = withParams(filterParams(p), { limit: PAGE, cursor: nextCursor, sort: clientSort ? "date" : sort });
    try {
      const page = await api("events", q);
      if (gen !== generation) return;
      tableRows = tableRows.concat(page.events || []);
      nextCursor = page.next || null;
      drawTable(sort);
    } catch (err) {
      status(err.message, true);
    }
  }
  function sortBy(key) {
    const cur = urlParams().get("sort") || "date";
    const next = cur === key ? `-${key}` : key;
    navigate({ sort: next === "date" ? null : next }, true);
  }
  const SORT_KEYS = {
    source: (e) => (e.source ? e.source.code : ""),
    target: (e) => (e.target ? e.target.code : ""),
    cameo: (e) => e.cameo || "",
    plover: (e) => (e.plover && e.plover.type) || "",
    goldstein: (e) => (e.goldstein === null ? -99 : e.goldstein),
    location: (e) => (e.location ? `${e.location.country || ""} ${e.location.name || ""}` : ""),
  };
  function actorCell(a) {
    if (!a) return el("td", { class: "muted" }, "—");
    return el("td", { title: [a.name, a.text].filter(Boolean).join(" — ") }, el("span", { class: "code" }, a.code));
  }
  function drawTable(sort) {
    let rows = tableRows;
    if (clientSort && SORT_KEYS[clientSort.key]) {
      const key = SORT_KEYS[clientSort.key];
      rows = rows
        .map((e, i) => [e, i])
        .sort((a, b) => {
          const ka = key(a[0]);
          const kb = key(b[0]);
          return (ka < kb ? -1 : ka > kb ? 1 : a[1] - b[1]) * clientSort.dir;
        })
        .map((x) => x[0]);
    }
    for (const th of document.querySelectorAll("#events th.sortable")) {
      const k = th.dataset.sort;
      th.classList.toggle("asc", sort === k);
      th.classList.toggle("desc", sort === `-${k}`);
      th.setAttribute("aria-sort", sort === k ? "ascending" : sort === `-${k}` ? "descending" : "none");
    }
    const body = $("#events tbody");
    clear(body);
    const open = urlParams().get("event");
    for (const e of rows) {
      const tr = el(
        "tr",
        { "data-event-id": e.event_id, "data-doc-id": e.doc_id, tabindex: 0, class: e.event_id === open ? "selected" : null },
        el("td", { class: "nowrap" }, e.date || "—"),
        actorCell(e.source),
        el("td", { title: e.cameo_root ? `root ${e.cameo_root}, QuadClass ${e.quad_class} (${QUAD_NAMES[e.quad_class] || ""})` : null }, e.cameo),
        el("td", {}, e.plover ? [e.plover.type, e.plover.mode].filter(Boolean).join(" / ") : ""),
        actorCell(e.target),
        el("td", { class: "num" }, fmt(e.goldstein)),
        el("td", {}, e.location ? `${e.location.name || ""}${e.location.country ? ` (${e.location.country})` : ""}` : ""),
        el("td", { class: "num" }, fmt(e.confidence, 2)),
        el("td", { class: "evidence-cell" }, e.evidence ? e.evidence.text : ""),
      );
      const openIt = () => navigate({ doc: e.doc_id, event: e.event_id });
      tr.addEventListener("click", openIt);
      tr.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") openIt();
      });
      body.append(tr);
    }
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 9, class: "empty" }, "No events for this filter.")));
    $("#more").hidden = !nextCursor;
  }

  // ---------- top dyads and actors ----------
  async function renderTops(gen, f) {
    const [d, a] = await Promise.all([api("dyads", withParams(f, { limit: 15 })), api("actors", withParams(f, { limit: 15 }))]);
    if (gen !== generation) return;
    const db = $("#dyads tbody");
    clear(db);
    for (const r of d.dyads || []) {
      const tr = el(
        "tr",
        { class: "clickable", "data-source": r.source, "data-target": r.target, title: `show ${r.source} ⇄ ${r.target}` },
        el("td", { class: "code" }, r.source),
        el("td", {}, "→"),
        el("td", { class: "code" }, r.target || "—"),
        el("td", { class: "num" }, r.count),
        el("td", { class: "num" }, fmt(r.goldstein)),
      );
      if (r.source && r.target) tr.addEventListener("click", () => navigate({ source: r.source, target: r.target, doc: null, event: null }));
      db.append(tr);
    }
    const ab = $("#actors tbody");
    clear(ab);
    const codes = $("#actor-codes");
    clear(codes);
    for (const r of a.actors || []) {
      const tr = el(
        "tr",
        { class: "clickable", "data-code": r.code, title: `events with ${r.code} as source` },
        el("td", { class: "code" }, r.code),
        el("td", {}, r.name || ""),
        el("td", { class: "num" }, r.as_source),
        el("td", { class: "num" }, r.as_target),
      );
      tr.addEventListener("click", () => navigate({ source: r.code, doc: null, event: null }));
      ab.append(tr);
      codes.append(el("option", { value: r.code }, r.name || r.code));
    }
  }

  // ---------- world map ----------
  // Natural Earth I projection (Šavrič, Jenny, Patterson, Petrovič, Hurni 2011), polynomial form.
  function project(lon, lat) {
    const l = (lon * Math.PI) / 180;
    const p = (lat * Math.PI) / 180;
    const p2 = p * p;
    const p4 = p2 * p2;
    const x = l * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)));
    const y = p * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)));
    return [MAP.cx + x * MAP.k, MAP.cy - y * MAP.k];
  }
  const MAP = { w: 960, h: 500, k: 172, cx: 480, cy: 250 };

  function ringPath(ring) {
    // a ring that crosses the antimeridian (a jump of more than 180° in longitude) is cut into pieces there
    let d = "";
    let prev = null;
    for (const [lon, lat] of ring) {
      const [px, py] = project(lon, lat);
      d += `${prev === null || Math.abs(lon - prev) > 180 ? "M" : "L"}${px.toFixed(1)},${py.toFixed(1)}`;
      prev = lon;
    }
    return `${d}Z`;
  }
  function geometryPath(g) {
    if (!g) return "";
    const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    return polys.map((poly) => poly.map(ringPath).join("")).join("");
  }
  function outlinePath() {
    let d = "";
    for (let lat = -90; lat <= 90; lat += 5) d += `${d ? "L" : "M"}${project(180, lat).map((v) => v.toFixed(1)).join(",")}`;
    for (let lat = 90; lat >= -90; lat -= 5) d += `L${project(-180, lat).map((v) => v.toFixed(1)).join(",")}`;
    return `${d}Z`;
  }
  async function loadWorld() {
    if (world) return world;
    if (!window.topojson) throw new Error("map: topojson-client did not load");
    const [topo, ids] = await Promise.all([
      fetch("static/vendor/world-atlas-2.0.2-countries-110m.json").then((r) => r.json()),
      fetch("static/world-iso3.json").then((r) => r.json()),
    ]);
    const fc = window.topojson.feature(topo, topo.objects.countries);
    world = fc.features.map((f) => ({
      iso3: ids.ids[f.id !== undefined ? f.id : f.properties.name] || null,
      name: f.properties.name,
      d: geometryPath(f.geometry),
    }));
    return world;
  }
  async function renderMap(gen, f) {
    const [features, places] = await Promise.all([loadWorld(), api("places", f)]);
    if (gen !== generation) return;
    const host = $("#map");
    clear(host);
    const byCountry = new Map((places.countries || []).map((c) => [c.country, c.count]));
    const maxC = Math.max(1, ...byCountry.values());
    const chosen = f.get("country");
    const root = svg("svg", { viewBox: `0 0 ${MAP.w} ${MAP.h}`, class: "map", role: "img", "aria-label": "world map of event locations" });
    root.append(svg("path", { d: outlinePath(), class: "sphere" }));
    const countries = svg("g", { class: "countries" });
    for (const c of features) {
      const count = (c.iso3 && byCountry.get(c.iso3)) || 0;
      const cls = ["country"];
      if (count) cls.push("has-events");
      if (chosen && c.iso3 === chosen) cls.push("chosen");
      const path = svg(
        "path",
        { d: c.d, class: cls.join(" "), "data-iso3": c.iso3, "data-count": count, "fill-opacity": count ? (0.25 + 0.75 * Math.sqrt(count / maxC)).toFixed(2) : null },
        svg("title", {}, `${c.name}${c.iso3 ? ` (${c.iso3})` : ""}: ${count} events`),
      );
      if (c.iso3) path.addEventListener("click", () => navigate({ country: chosen === c.iso3 ? null : c.iso3, doc: null, event: null }));
      countries.append(path);
    }
    root.append(countries);
    const pts = svg("g", { class: "places" });
    const maxP = Math.max(1, ...(places.places || []).map((q) => q.count));
    const sorted = (places.places || []).filter((q) => q.lat !== null && q.lon !== null).sort((a, b) => b.count - a.count);
    for (const q of sorted) {
      const [px, py] = project(q.lon, q.lat);
      const c = svg(
        "circle",
        { cx: px.toFixed(1), cy: py.toFixed(1), r: (2.5 + 12 * Math.sqrt(q.count / maxP)).toFixed(1), class: "place", "data-name": q.name, "data-country": q.country, "data-count": q.count },
        svg("title", {}, `${q.name}${q.country ? ` (${q.country})` : ""}: ${q.count} events`),
      );
      if (q.country) c.addEventListener("click", () => navigate({ country: q.country, doc: null, event: null }));
      pts.append(c);
    }
    root.append(pts);
    host.append(root);
    const unplaced = [...byCountry.keys()].filter((k) => !features.some((c) => c.iso3 === k));
    if (unplaced.length) host.append(el("p", { class: "muted small" }, `not on the map: ${unplaced.join(", ")}`));
  }

  // ---------- article ----------
  async function renderArticle(gen, p) {
    const docId = p.get("doc");
    const panel = $("#article");
    if (!docId) {
      panel.hidden = true;
      document.body.classList.remove("reading");
      return;
    }
    const doc = await api(`documents/${encodeURIComponent(docId)}`);
    if (gen !== generation) return;
    const events = doc.events || [];
    const ev = events.find((e) => e.event_id === p.get("event")) || events[0] || null;
    $("#article-title").textContent = doc.title || doc.id;
    const meta = $("#article-meta");
    clear(meta);
    meta.append(`${doc.date || "undated"} · ${doc.id}`);
    if (doc.url) meta.append(" · ", safeLink(doc.url));
    const line = $("#article-event");
    clear(line);
    if (ev) {
      line.append(
        el("span", { class: "actor source" }, ev.source ? ev.source.code : "?"),
        ` ${ev.cameo} ${ev.plover && ev.plover.type ? `(${ev.plover.type}) ` : ""}`,
        el("span", { class: "actor target" }, ev.target ? ev.target.code : "—"),
        ` · Goldstein ${fmt(ev.goldstein)} · confidence ${fmt(ev.confidence, 2)} · ${ev.modality || ""}`,
      );
    }
    drawArticleText($("#article-text"), doc.text || "", ev);
    const list = $("#article-events");
    clear(list);
    for (const e of events) {
      const li = el(
        "li",
        { class: e === ev ? "clickable selected" : "clickable", "data-event-id": e.event_id },
        `${e.source ? e.source.code : "?"} ${e.cameo} ${e.target ? e.target.code : "—"}: `,
        el("q", {}, e.evidence ? e.evidence.text : ""),
      );
      li.addEventListener("click", () => navigate({ doc: docId, event: e.event_id }, true));
      list.append(li);
    }
    panel.hidden = false;
    document.body.classList.add("reading");
    const row = document.querySelector("#events tbody tr.selected");
    if (row) row.scrollIntoView({ block: "nearest" });
    const mark = $("#article-text mark.evidence");
    if (mark) mark.scrollIntoView({ block: "center" });
  }

  // The text is cut at the evidence and actor offsets (code points, as Python counts them) into text nodes;
  // the evidence becomes one <mark>, source and target spans inside it get their own elements.
  function drawArticleText(host, text, ev) {
    clear(host);
    const cps = Array.from(text);
    const slice = (a, b) => cps.slice(a, b).join("");
    const spans = [];
    if (ev && ev.source && ev.source.start !== null && ev.source.start !== undefined) spans.push([ev.source.start, ev.source.end, "source"]);
    if (ev && ev.target && ev.target.start !== null && ev.target.start !== undefined) spans.push([ev.target.start, ev.target.end, "target"]);
    const pieces = (a, b) => {
      // [a, b) with the actor spans marked
      const cuts = new Set([a, b]);
      for (const [s, e] of spans) {
        if (s > a && s < b) cuts.add(s);
        if (e > a && e < b) cuts.add(e);
      }
      const pts = [...cuts].sort((m, n) => m - n);
      const out = [];
      for (let i = 0; i + 1 < pts.length; i++) {
        const [s, e] = [pts[i], pts[i + 1]];
        const who = spans.find(([as, ae]) => as <= s && e <= ae);
        const t = slice(s, e);
        out.push(who ? el("span", { class: `actor ${who[2]}` }, t) : document.createTextNode(t));
      }
      return out;
    };
    const paragraphs = (a, b, into) => {
      for (const node of pieces(a, b)) into.append(node);
    };
    if (!ev || !ev.evidence || ev.evidence.start === null || ev.evidence.start === undefined) {
      paragraphs(0, cps.length, host);
      return;
    }
    const es = Math.max(0, Math.min(cps.length, ev.evidence.start));
    const ee = Math.max(es, Math.min(cps.length, ev.evidence.end));
    paragraphs(0, es, host);
    const mark = el("mark", { class: "evidence", "data-event-id": ev.event_id });
    paragraphs(es, ee, mark);
    host.append(mark);
    paragraphs(ee, cps.length, host);
  }

  // ---------- start ----------
  document.addEventListener("DOMContentLoaded", () => {
    initForm();
    render();
  });
})();
