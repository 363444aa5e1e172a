/**
 * The G6 web dashboard page: views Overview, Chain, Charts and Alerts over the engine's HTTP
 * API (/status, /readyz, /events, /api/*). No framework: a few DOM helpers; uPlot for charts.
 * Values the API gives as null are shown as "—": nothing is filled in.
 */
import uPlot from "uplot";

type Json = any;
type View = "overview" | "chain" | "charts" | "alerts";
const VIEWS: View[] = ["overview", "chain", "charts", "alerts"];

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

// ---- formatting (Indian grouping: 12,34,567.50) ----
const nf = new Map<number, Intl.NumberFormat>();
const fmtN = (x: number | null | undefined, d = 2) => {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  let f = nf.get(d);
  if (!f) nf.set(d, (f = new Intl.NumberFormat("en-IN", { minimumFractionDigits: d, maximumFractionDigits: d })));
  return f.format(x);
};
const fmtPct = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? "—" : `${fmtN(x * 100, d)} %`);
const fmtSigned = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? "—" : `${x > 0 ? "+" : ""}${fmtN(x, d)}`);
const fmtInt = (x: number | null | undefined) => fmtN(x, 0);
const fmtAge = (s: number | null | undefined) => (s === null || s === undefined || !Number.isFinite(s) ? "—" : s < 120 ? `${fmtN(s, 1)} s` : `${fmtN(s / 60, 1)} min`);
const istTime = (iso: string | null | undefined) => (iso ? iso.slice(11, 19) : "—");

/** How each chain column is shown. */
const CELL: Record<string, (x: any) => string> = {
  last: (x) => fmtN(x),
  change: (x) => fmtSigned(x),
  bid: (x) => fmtN(x),
  ask: (x) => fmtN(x),
  volume: fmtInt,
  oi: fmtInt,
  oi_change: (x) => (x === null ? "—" : fmtSigned(x, 0)),
  iv: (x) => fmtPct(x),
  delta: (x) => fmtN(x, 3),
  gamma: (x) => fmtN(x, 5),
  theta: (x) => fmtN(x),
  vega: (x) => fmtN(x),
};
const cellText = (key: string, x: any) => (x === null || x === undefined ? "—" : CELL[key] ? CELL[key]!(x) : String(x));
const WIDE = new Set(["bid", "ask", "delta", "gamma", "theta", "vega", "change", "buildup"]);
/** Put side order, strike outwards; the call side is its mirror. */
const PE_ORDER = ["last", "change", "bid", "ask", "iv", "delta", "gamma", "theta", "vega", "volume", "oi", "oi_change", "buildup"];

// ---- state ----
const app = {
  view: "overview" as View,
  status: null as Json,
  readiness: null as Json,
  expiries: [] as { index: string; tag: string; expiry: string }[],
  chainKey: "",
  chainCols: "",
  alerts: [] as Json[],
  charts: new Map<string, uPlot>(),
  source: null as EventSource | null,
  refreshing: false,
  again: false,
};
(window as any).__g6 = app;

async function getJson(path: string): Promise<Json | null> {
  const res = await fetch(path, { credentials: "same-origin", headers: { accept: "application/json" } });
  if (res.status === 401) {
    showLogin();
    return null;
  }
  if (!res.ok) return null;
  return res.json();
}

// ---- theme ----
function applyTheme(t: string) {
  document.documentElement.dataset.theme = t;
  for (const c of app.charts.values()) c.destroy();
  app.charts.clear();
}
const savedTheme = localStorage.getItem("g6-theme");
applyTheme(savedTheme ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
$("theme").addEventListener("click", () => {
  const t = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  localStorage.setItem("g6-theme", t);
  applyTheme(t);
  void refresh();
});

// ---- views ----
function show(view: View) {
  app.view = view;
  for (const v of VIEWS) {
    $(`view-${v}`).hidden = v !== view;
    document.querySelector(`nav a[data-view="${v}"]`)?.toggleAttribute("aria-current", v === view);
    if (v === view) document.querySelector(`nav a[data-view="${v}"]`)?.setAttribute("aria-current", "page");
  }
  void refresh();
}
const viewOfHash = () => (VIEWS.includes(location.hash.slice(1) as View) ? (location.hash.slice(1) as View) : "overview");
addEventListener("hashchange", () => show(viewOfHash()));

// ---- login ----
function showLogin() {
  $("login").hidden = false;
  for (const v of VIEWS) $(`view-${v}`).hidden = true;
  app.source?.close();
  app.source = null;
  $("token").focus();
}
$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const token = $<HTMLInputElement>("token").value;
  const res = await fetch("/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) });
  if (res.ok) {
    $<HTMLInputElement>("token").value = "";
    $("login-error").textContent = "";
    $("login").hidden = true;
    $("logout").hidden = false;
    start();
  } else {
    $("login-error").textContent = res.status === 401 ? "Wrong token: refused." : `Sign-in failed (${res.status}).`;
    $<HTMLInputElement>("token").select();
  }
});
$("logout").addEventListener("click", async () => {
  await fetch("/logout", { method: "POST" });
  $("logout").hidden = true;
  showLogin();
});

// ---- live stream ----
function connect() {
  app.source?.close();
  const es = new EventSource("/events");
  app.source = es;
  es.addEventListener("open", () => setLive(true));
  es.addEventListener("error", () => setLive(false));
  es.addEventListener("snapshot", (e) => {
    app.status = JSON.parse((e as MessageEvent).data);
    void refresh();
  });
  es.addEventListener("cycle", () => void refresh(true));
  es.addEventListener("alert", (e) => {
    app.alerts.unshift(JSON.parse((e as MessageEvent).data));
    if (app.alerts.length > 500) app.alerts.length = 500;
    renderAlerts();
    renderActive();
  });
}
function setLive(on: boolean) {
  const p = $("live");
  p.classList.toggle("on", on);
  p.textContent = on ? `live · cycle ${app.status?.cycle ?? "—"}` : "reconnecting…";
}

/** Refreshes what the current view shows (one refresh at a time; a cycle during one queues another). */
async function refresh(cycle = false) {
  if (app.refreshing) {
    app.again = true;
    return;
  }
  app.refreshing = true;
  try {
    if (cycle || !app.status) app.status = (await getJson("/status")) ?? app.status;
    const session = await getJson("/api/session");
    if (session) app.expiries = session.expiries;
    if (app.source?.readyState === EventSource.OPEN) setLive(true);
    fillSelectors();
    if (app.view === "overview") {
      app.readiness = await fetch("/readyz").then((r) => (r.status === 401 ? null : r.json())).catch(() => null);
      renderOverview();
    } else if (app.view === "chain") await renderChain();
    else if (app.view === "charts") await renderCharts();
    else renderAlerts();
    document.body.dataset.cycle = String(app.status?.cycle ?? "");
  } finally {
    app.refreshing = false;
    if (app.again) {
      app.again = false;
      void refresh();
    }
  }
}

function fillSelectors() {
  const indices = [...new Set(app.expiries.map((e) => e.index))];
  for (const pre of ["chain", "charts"]) {
    const iSel = $<HTMLSelectElement>(`${pre}-index`);
    const tSel = $<HTMLSelectElement>(`${pre}-tag`);
    syncOptions(iSel, indices.map((i) => [i, i]));
    const tags = app.expiries.filter((e) => e.index === iSel.value).map((e) => [e.tag, `${e.tag} (${e.expiry})`] as [string, string]);
    syncOptions(tSel, tags);
  }
}
function syncOptions(sel: HTMLSelectElement, opts: [string, string][]) {
  const want = opts.map((o) => o.join("\u0000")).join("\u0001");
  if (sel.dataset.opts === want) return;
  const keep = sel.value;
  sel.replaceChildren(...opts.map(([v, label]) => el("option", { value: v }, label)));
  if (opts.some(([v]) => v === keep)) sel.value = keep;
  sel.dataset.opts = want;
}
for (const id of ["chain-index", "chain-tag", "charts-index", "charts-tag"]) $(id).addEventListener("change", () => void refresh());

// ---- overview ----
function card(title: string, status: string | null, rows: [string, string, string?][]) {
  const c = el("article", { class: "card" });
  const h = el("h3");
  h.append(el("span", {}, title));
  if (status) h.append(el("span", { class: `st-${status}` }, status));
  c.append(h);
  const dl = el("dl");
  for (const [k, v, cls] of rows) {
    dl.append(el("dt", {}, k));
    dl.append(el("dd", cls ? { class: cls } : {}, v));
  }
  c.append(dl);
  return c;
}
function renderOverview() {
  const s = app.status;
  if (!s) return;
  const session = s.session;
  const clock = session ? `${session.state}${session.next_open ? `, next open ${session.next_open.replace("T", " ").slice(0, 16)}` : ""}` : s.provider === "sim" ? "simulated session" : "—";
  const reasons: string[] = app.readiness?.reasons ?? [];
  const auth = reasons.find((r) => /credential|auth|token|provider/i.test(r)) ?? (app.readiness ? "ok" : "—");
  const t = s.timings_ms ?? {};
  const engine = [
    card("Engine", s.status ?? null, [
      ["Provider", s.provider ?? "—"],
      ["Provider auth", auth],
      ["Market clock", clock],
      ["Cycle", s.cycle === null || s.cycle === undefined ? "—" : fmtInt(s.cycle)],
      ["Snapshot (IST)", istTime(s.snapshot_at)],
      ["Cycle time", s.cycle_ms === undefined ? "—" : `${fmtN(s.cycle_ms, 1)} ms`],
      ["Phases (ms)", ["spot", "plan", "fetch", "enrich", "score"].map((p) => `${p} ${fmtN(t[p], 1)}`).join(" · ")],
      ["Legs", s.legs ? `${fmtInt(s.legs.collected)} / ${fmtInt(s.legs.requested)}` : "—"],
    ]),
  ];
  for (const [name, k] of Object.entries<Json>(s.sinks ?? {})) {
    const failing = k.failing?.length ? k.failing.map((f: Json) => `${f.target}: ${f.reason}`).join("; ") : "";
    engine.push(
      card(`Sink ${name}`, failing ? "PARTIAL" : "OK", [
        ["Written", fmtInt(k.written)],
        ["Queued / dropped", `${fmtInt(k.queued)} / ${fmtInt(k.dropped)}`],
        ["Spool", k.spooled ? `${fmtInt(k.spooled)} cycles, ${fmtN(k.spoolBytes / 1024, 1)} KiB` : "empty"],
        ["State", failing || k.degraded || "healthy"],
      ]),
    );
  }
  $("ov-engine").replaceChildren(...engine);
  const figures = new Map<string, Json>((s.market?.indices ?? []).map((m: Json) => [m.index, m]));
  $("ov-indices").replaceChildren(
    ...(s.indices ?? []).map((i: Json) => {
      const m = figures.get(i.index) ?? {};
      const cls = m.change > 0 ? "up" : m.change < 0 ? "down" : undefined;
      const cov = i.legs_requested ? i.legs_collected / i.legs_requested : Number.NaN;
      const c = card(i.index, i.status, [
        ["Spot", fmtN(i.spot), "big"],
        ["Change", `${fmtSigned(m.change)} (${m.change_pct === null || m.change_pct === undefined ? "—" : fmtSigned(m.change_pct * 100)} %)`, cls],
        ["Coverage", fmtPct(cov, 1)],
        ["Data age", fmtAge(m.data_age_seconds)],
        ["ATM", fmtN(i.atm, 0)],
        ...(i.expiries ?? []).map((e: Json) => [`${e.tag}`, `${e.status} · PCR ${fmtN(e.pcr_oi)} · IV ${fmtPct(e.atm_iv)}`] as [string, string]),
      ]);
      c.dataset.index = i.index;
      return c;
    }),
  );
  renderActive();
}
function renderActive() {
  const s = app.status;
  const items: [string, string][] = [];
  if (s?.status_reason) items.push(["warn", s.status_reason]);
  for (const w of s?.warnings ?? []) items.push(["warn", w]);
  for (const r of app.readiness?.reasons ?? []) items.push(["error", r]);
  for (const a of app.alerts.filter((a) => a.level !== "info").slice(0, 10)) items.push([a.level, `${istTime(a.at)} ${a.subject}: ${a.message}`]);
  $("ov-active").replaceChildren(...(items.length ? items.map(([lv, t]) => el("li", { class: `lv-${lv}` }, t)) : [el("li", {}, "None: everything is healthy.")]));
}

// ---- chain ----
async function renderChain() {
  const index = $<HTMLSelectElement>("chain-index").value;
  const tag = $<HTMLSelectElement>("chain-tag").value;
  if (!index || !tag) return;
  const doc = await getJson(`/api/chain?index=${encodeURIComponent(index)}&tag=${encodeURIComponent(tag)}`);
  if (!doc) return;
  const table = $<HTMLTableElement>("chain-table");
  const keys = doc.columns.map((c: Json) => c.key) as string[];
  const order = PE_ORDER.filter((k) => keys.includes(k)).concat(keys.filter((k) => !PE_ORDER.includes(k)));
  const units = new Map<string, Json>(doc.columns.map((c: Json) => [c.key, c]));
  const colsKey = order.join(",");
  const key = `${index}|${tag}`;
  if (app.chainCols !== colsKey) {
    const head1 = el("tr");
    head1.append(el("th", { colspan: String(order.length), scope: "colgroup" }, "Calls (CE)"), el("th", { class: "strike" }, ""), el("th", { colspan: String(order.length), scope: "colgroup" }, "Puts (PE)"));
    const head2 = el("tr");
    const th = (k: string) => {
      const c = units.get(k)!;
      const h = el("th", { scope: "col", class: WIDE.has(k) ? "wide" : "" });
      h.append(el("abbr", { title: c.unit ? `${c.label} (${c.unit})` : c.label }, c.label));
      return h;
    };
    for (const k of [...order].reverse()) head2.append(th(k));
    head2.append(el("th", { scope: "col", class: "strike" }, "Strike"));
    for (const k of order) head2.append(th(k));
    table.tHead!.replaceChildren(head1, head2);
    app.chainCols = colsKey;
  }
  const body = table.tBodies[0]!;
  const strikes = doc.strikes as number[];
  // Rows are kept when the strikes are the same: only the cells' text changes, so scroll and focus stay.
  const same = body.rows.length === strikes.length && strikes.every((k, i) => body.rows[i]!.dataset.strike === String(k));
  if (!same) {
    body.replaceChildren(
      ...strikes.map((k) => {
        const tr = el("tr", { "data-strike": String(k) });
        for (const c of [...order].reverse()) tr.append(el("td", { class: `ce${WIDE.has(c) ? " wide" : ""}`, "data-k": `ce:${c}` }));
        tr.append(el("th", { scope: "row", class: "strike" }, fmtN(k, 0)));
        for (const c of order) tr.append(el("td", { class: `pe${WIDE.has(c) ? " wide" : ""}`, "data-k": `pe:${c}` }));
        return tr;
      }),
    );
  }
  strikes.forEach((k, i) => {
    const tr = body.rows[i]!;
    tr.classList.toggle("atm", k === doc.atm);
    tr.classList.toggle("itm-ce", doc.spot !== null && k < doc.spot);
    tr.classList.toggle("itm-pe", doc.spot !== null && k > doc.spot);
    for (const td of tr.querySelectorAll<HTMLTableCellElement>("td")) {
      const [side, c] = td.dataset.k!.split(":") as ["ce" | "pe", string];
      const v = doc[side][c]?.[i] ?? null;
      const text = cellText(c, v);
      if (td.textContent !== text) td.textContent = text;
      if (c === "change" || c === "oi_change") td.classList.toggle("up", v > 0), td.classList.toggle("down", v < 0);
    }
  });
  table.dataset.cycle = String(doc.cycle ?? "");
  $("chain-meta").textContent = `expiry ${doc.expiry} · spot ${fmtN(doc.spot)} · ATM ${fmtN(doc.atm, 0)} · snapshot ${istTime(doc.snapshot_at)} IST${doc.source === "files" ? " (read back from files)" : ""}`;
  if (app.chainKey !== key) {
    app.chainKey = key;
    body.querySelector("tr.atm")?.scrollIntoView({ block: "center" });
  }
}

// ---- charts ----
const cssVar = (n: string) => getComputedStyle(document.documentElement).getPropertyValue(n).trim();
const COLORS = { ce: "#2e7d32", pe: "#c62828", a: "#1f5fbf", b: "#e07b00", c: "#7b1fa2" };
/** Tick labels in Indian grouping, with as many decimals as the tick step needs (at least `d`). */
const axisNums = (d: number, scale = 1) => (_u: uPlot, splits: number[]) => {
  const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) * scale : 0;
  const need = step > 0 ? Math.min(6, Math.max(d, -Math.floor(Math.log10(step) + 1e-9))) : d;
  return splits.map((v) => (v === null ? "" : fmtN(v * scale, need)));
};

function axis(label: string, values?: uPlot.Axis["values"], side?: number, scale?: string): uPlot.Axis {
  const fg = cssVar("--fg");
  const line = cssVar("--line");
  // y axes need room for lakh-grouped labels (1,50,00,000).
  return { label, stroke: fg, grid: { stroke: line, width: 1 }, ticks: { stroke: line }, ...(values ? { values } : {}), ...(side !== undefined ? { side } : {}), ...(scale ? { scale } : {}), size: 90 };
}
/** The x axis: uPlot's own height. */
const xAxis = (label: string, values?: uPlot.Axis["values"]): uPlot.Axis => ({ ...axis(label, values), size: 50 });
/** A y scale fitted to the data with 10 % padding, not stretched to 0 (max pain near 24,000 stays readable). */
const fitted: uPlot.Scale = {
  range: (_u, min, max) => {
    if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
    const pad = min === max ? Math.max(Math.abs(min) * 0.01, 1e-6) : (max - min) * 0.1;
    return [min - pad, max + pad];
  },
};

/** Draws or updates chart `id`: recreated when its series change, else given the new data. */
function chart(id: string, signature: string, make: () => Omit<uPlot.Options, "width" | "height">, data: uPlot.AlignedData) {
  const box = $(id);
  const points = (data[0] as ArrayLike<number>).length;
  box.dataset.points = String(points);
  let u = app.charts.get(id);
  if (u && (u as any)._sig !== signature) {
    u.destroy();
    u = undefined;
  }
  if (!points) {
    u?.destroy();
    app.charts.delete(id);
    box.replaceChildren(el("p", { class: "empty" }, "No data yet."));
    return;
  }
  if (!u) {
    box.replaceChildren();
    const width = Math.max(280, box.clientWidth || 560);
    u = new uPlot({ ...make(), width, height: 260 }, data, box);
    (u as any)._sig = signature;
    app.charts.set(id, u);
  } else u.setData(data);
}
const ist = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), "Asia/Kolkata");
const timeAxis = () => xAxis("Time (IST)");

async function renderCharts() {
  const index = $<HTMLSelectElement>("charts-index").value;
  const tag = $<HTMLSelectElement>("charts-tag").value;
  if (!index || !tag) return;
  const [chain, series] = await Promise.all([getJson(`/api/chain?index=${encodeURIComponent(index)}&tag=${encodeURIComponent(tag)}`), getJson(`/api/series?index=${encodeURIComponent(index)}`)]);
  if (!chain || !series) return;
  const sig = `${index}|${tag}|${document.documentElement.dataset.theme}`;
  // IV smile, now and at the session's open.
  const smile = uPlot.join([
    [chain.strikes, chain.ce.iv, chain.pe.iv],
    [chain.open.strikes, chain.open.ce_iv, chain.open.pe_iv],
  ] as any);
  chart(
    "ch-smile",
    sig,
    () => ({
      scales: { x: { time: false } },
      axes: [xAxis("Strike (points)", axisNums(0)), axis("IV (%)", axisNums(1, 100))],
      series: [
        { label: "Strike", value: (_u, v) => fmtN(v, 0) },
        { label: "CE IV now", stroke: COLORS.ce, width: 2, value: (_u, v) => fmtPct(v) },
        { label: "PE IV now", stroke: COLORS.pe, width: 2, value: (_u, v) => fmtPct(v) },
        { label: `CE IV open`, stroke: COLORS.ce, dash: [6, 4], value: (_u, v) => fmtPct(v) },
        { label: `PE IV open`, stroke: COLORS.pe, dash: [6, 4], value: (_u, v) => fmtPct(v) },
      ],
    }),
    smile,
  );
  // OI by strike (bars) with OI change since open (lines).
  const bars = uPlot.paths.bars!;
  chart(
    "ch-oi",
    sig,
    () => ({
      scales: { x: { time: false } },
      axes: [xAxis("Strike (points)", axisNums(0)), axis("OI (contracts)", axisNums(0))],
      series: [
        { label: "Strike", value: (_u, v) => fmtN(v, 0) },
        { label: "CE OI", stroke: COLORS.ce, fill: `${COLORS.ce}99`, paths: bars({ size: [0.4, 40], align: -1 }), points: { show: false }, value: (_u, v) => fmtInt(v) },
        { label: "PE OI", stroke: COLORS.pe, fill: `${COLORS.pe}99`, paths: bars({ size: [0.4, 40], align: 1 }), points: { show: false }, value: (_u, v) => fmtInt(v) },
        { label: "CE OI chg", stroke: COLORS.a, width: 2, value: (_u, v) => fmtSigned(v, 0) },
        { label: "PE OI chg", stroke: COLORS.b, width: 2, value: (_u, v) => fmtSigned(v, 0) },
      ],
    }),
    [chain.strikes, chain.ce.oi, chain.pe.oi, chain.ce.oi_change ?? chain.strikes.map(() => null), chain.pe.oi_change ?? chain.strikes.map(() => null)],
  );
  const e = series.expiries.find((x: Json) => x.tag === tag);
  const t = e ? (e.t as number[]).map((ms) => ms / 1000) : [];
  chart(
    "ch-pcr",
    sig,
    () => ({
      tzDate: ist,
      scales: { x: { time: true }, pcr: fitted, pts: fitted },
      axes: [timeAxis(), axis("PCR (ratio)", axisNums(2), 3, "pcr"), axis("Max pain (points)", axisNums(0), 1, "pts")],
      series: [
        {},
        { label: "PCR (OI)", stroke: COLORS.a, width: 2, scale: "pcr", value: (_u, v) => fmtN(v, 3) },
        { label: "PCR (volume)", stroke: COLORS.b, width: 2, scale: "pcr", value: (_u, v) => fmtN(v, 3) },
        { label: "Max pain", stroke: COLORS.c, width: 2, scale: "pts", value: (_u, v) => fmtN(v, 0) },
      ],
    }),
    [t, e?.pcr_oi ?? [], e?.pcr_volume ?? [], e?.max_pain ?? []],
  );
  chart(
    "ch-straddle",
    sig,
    () => ({
      tzDate: ist,
      scales: { x: { time: true }, pts: fitted, pct: fitted },
      axes: [timeAxis(), axis("Straddle (points)", axisNums(0), 3, "pts"), axis("Implied move (%)", axisNums(2, 100), 1, "pct")],
      series: [
        {},
        { label: "ATM straddle", stroke: COLORS.a, width: 2, scale: "pts", value: (_u, v) => fmtN(v) },
        { label: "Implied move", stroke: COLORS.b, width: 2, scale: "pct", value: (_u, v) => fmtPct(v) },
      ],
    }),
    [t, e?.straddle ?? [], e?.implied_move ?? []],
  );
  // ATM IV term structure: the latest ATM IV of each distinct expiry, by days to expiry.
  const today = Date.parse(`${(app.status?.snapshot_at ?? new Date().toISOString()).slice(0, 10)}T00:00:00Z`);
  const byExpiry = new Map<number, number | null>();
  for (const x of series.expiries) {
    const days = Math.round((Date.parse(`${x.expiry}T00:00:00Z`) - today) / 86400e3);
    byExpiry.set(days, x.atm_iv.at(-1) ?? null);
  }
  const days = [...byExpiry.keys()].sort((a, b) => a - b);
  chart(
    "ch-term",
    `${index}|${document.documentElement.dataset.theme}`,
    () => ({
      scales: { x: { time: false } },
      axes: [xAxis("Days to expiry (calendar days)", axisNums(0)), axis("ATM IV (%)", axisNums(1, 100))],
      series: [{ label: "Days", value: (_u, v) => fmtN(v, 0) }, { label: "ATM IV", stroke: COLORS.a, width: 2, points: { show: true, size: 8 }, value: (_u, v) => fmtPct(v) }],
    }),
    [days, days.map((d) => byExpiry.get(d) ?? null)],
  );
}
addEventListener("resize", () => {
  for (const [id, u] of app.charts) u.setSize({ width: Math.max(280, $(id).clientWidth), height: 260 });
});

// ---- alerts ----
function renderAlerts() {
  const levels = new Set([...document.querySelectorAll<HTMLInputElement>("[data-level]")].filter((c) => c.checked).map((c) => c.dataset.level));
  const q = $<HTMLInputElement>("alert-filter").value.toLowerCase();
  const rows = app.alerts.filter((a) => levels.has(a.level) && (!q || `${a.kind} ${a.subject} ${a.message}`.toLowerCase().includes(q)));
  $("alert-rows").replaceChildren(
    ...(rows.length
      ? rows.map((a) => {
          const tr = el("tr");
          tr.append(el("td", {}, istTime(a.at)), el("td", { class: `lv-${a.level}` }, a.level), el("td", {}, a.kind), el("td", {}, a.subject), el("td", {}, a.message));
          return tr;
        })
      : [Object.assign(el("tr"), { innerHTML: "" })].map((tr) => (tr.append(el("td", { colspan: "5", class: "empty" }, "No alerts in this session.")), tr))),
  );
}
for (const c of document.querySelectorAll("[data-level]")) c.addEventListener("change", renderAlerts);
$("alert-filter").addEventListener("input", renderAlerts);

// ---- start ----
function start() {
  $("login").hidden = true;
  connect();
  show(viewOfHash());
}
(async () => {
  const auth = await fetch("/api/auth").then((r) => r.json());
  if (auth.required && !auth.session) showLogin();
  else {
    $("logout").hidden = !auth.required;
    start();
  }
})();
