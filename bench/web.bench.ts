/**
 * The web dashboard's figures (`bun bench` runs this in its own process; reported, not gated):
 * the bundle's size (raw and gzip), and the time to first render in headless Chromium (page
 * load to the chain table's ATM row, and to the first chart drawn) on the simulator.
 *
 *   bun bench/web.bench.ts [--quick] [--compare DIR]
 *
 * --compare DIR: also the chart libraries' comparison, 100 series × 400 points in one chart:
 * create, then the mean cost of replacing every series' data and drawing the next frame, for
 * uPlot (from node_modules) and lightweight-charts unpacked in DIR (`npm pack lightweight-charts`
 * and untar: not a dependency of G6).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import puppeteer from "puppeteer-core";
import { createApp } from "../src/app.ts";
import { startServer } from "../src/server/server.ts";
import { buildBundle } from "../src/web/assets.ts";
import { loadConfig } from "../src/config/load.ts";
import { instantClock, quietLog, tempDir } from "./support.ts";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, compare: { type: "string" } } });
const chromium = Bun.which("chromium");

const bundle = await buildBundle();
let gz = 0;
let js = 0;
for (const [path, a] of bundle.assets) {
  gz += Bun.gzipSync(a.body).length;
  if (path.endsWith(".js")) js += a.body.length;
}
console.log(`  bundle                        ${(bundle.bytes / 1024).toFixed(1).padStart(10)} KiB (${(js / 1024).toFixed(1)} KiB script), gzip ${(gz / 1024).toFixed(1)} KiB, built in ${bundle.buildMs.toFixed(0)} ms`);
if (!chromium) {
  console.log("  first render                  skipped: chromium is not installed (scripts/test-deps.sh)");
  process.exit(0);
}

const { config } = loadConfig({
  cli: [
    { path: "storage.data_dir", value: join(tempDir("g6-bench-web-"), "out"), flag: "bench" },
    { path: "pool.size", value: 0, flag: "bench" },
    { path: "provider.sim.start", value: "2026-11-20T10:00", flag: "bench" },
    { path: "server.port", value: 0, flag: "bench" },
  ],
});
const app = createApp(config, { log: quietLog, clock: instantClock });
const srv = startServer(config.server, app);
await app.run({ cycles: 3, signal: new AbortController().signal });
const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
try {
  const runs = values.quick ? 3 : 10;
  const chainMs: number[] = [];
  const chartMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    let t0 = performance.now();
    await page.goto(`${srv.url}/#chain`);
    await page.waitForSelector("#chain-table tbody tr.atm");
    chainMs.push(performance.now() - t0);
    t0 = performance.now();
    await page.goto(`${srv.url}/#charts`);
    await page.waitForSelector("#ch-pcr canvas");
    chartMs.push(performance.now() - t0);
    await page.close();
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`  first render, chain (median)  ${median(chainMs).toFixed(0).padStart(10)} ms  (load to ATM row, ${runs} loads, 5 indices)`);
  console.log(`  first render, charts (median) ${median(chartMs).toFixed(0).padStart(10)} ms  (load to the first chart drawn)`);

  if (values.compare) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto("about:blank");
    const uplotJs = await Bun.file(join(import.meta.dir, "../node_modules/uplot/dist/uPlot.iife.min.js")).text();
    const lwcJs = await Bun.file(join(values.compare, "dist/lightweight-charts.standalone.production.js")).text();
    const size = async (p: string) => ({ raw: (await Bun.file(p).arrayBuffer()).byteLength, gz: Bun.gzipSync(new Uint8Array(await Bun.file(p).arrayBuffer())).length });
    const su = await size(join(import.meta.dir, "../node_modules/uplot/dist/uPlot.iife.min.js"));
    const sl = await size(join(values.compare, "dist/lightweight-charts.standalone.production.js"));
    await page.addScriptTag({ content: uplotJs });
    await page.addScriptTag({ content: lwcJs });
    const result = await page.evaluate(async () => {
      const w = globalThis as any;
      const S = 100;
      const N = 400;
      const frame = () => new Promise((r) => w.requestAnimationFrame(() => r(null)));
      const box = (id: string) => {
        const d = w.document.createElement("div");
        d.id = id;
        d.style.width = "1200px";
        d.style.height = "400px";
        w.document.body.append(d);
        return d;
      };
      const t0 = 1_763_600_000;
      const xs = Array.from({ length: N }, (_, i) => t0 + 60 * i);
      const ys = (k: number, shift: number) => Array.from({ length: N }, (_, i) => Math.sin((i + shift) / 20 + k) * 10 + k);
      const rounds = 20;
      // uPlot: one chart, 100 series.
      let c0 = performance.now();
      const u = new w.uPlot({ width: 1200, height: 400, series: [{}, ...Array.from({ length: S }, () => ({ stroke: "#36c" }))] }, [xs, ...Array.from({ length: S }, (_, k) => ys(k, 0))], box("u"));
      await frame();
      const uCreate = performance.now() - c0;
      c0 = performance.now();
      for (let r = 1; r <= rounds; r++) {
        u.setData([xs, ...Array.from({ length: S }, (_, k) => ys(k, r))]);
        await frame();
      }
      const uUpdate = (performance.now() - c0) / rounds;
      // lightweight-charts: one chart, 100 line series.
      c0 = performance.now();
      const lc = w.LightweightCharts;
      const chart = lc.createChart(box("l"), { width: 1200, height: 400 });
      const series = Array.from({ length: S }, () => chart.addSeries(lc.LineSeries, { color: "#36c" }));
      series.forEach((s: any, k: number) => s.setData(ys(k, 0).map((v, i) => ({ time: xs[i], value: v }))));
      await frame();
      await frame();
      const lCreate = performance.now() - c0;
      c0 = performance.now();
      for (let r = 1; r <= rounds; r++) {
        series.forEach((s: any, k: number) => s.setData(ys(k, r).map((v, i) => ({ time: xs[i], value: v }))));
        await frame();
        await frame();
      }
      const lUpdate = (performance.now() - c0) / rounds;
      return { uCreate, uUpdate, lCreate, lUpdate };
    });
    console.log(`  uPlot                         ${(su.raw / 1024).toFixed(1)} KiB min, ${(su.gz / 1024).toFixed(1)} KiB gzip; 100×400 create ${result.uCreate.toFixed(1)} ms, update+frame ${result.uUpdate.toFixed(1)} ms`);
    console.log(`  lightweight-charts            ${(sl.raw / 1024).toFixed(1)} KiB min, ${(sl.gz / 1024).toFixed(1)} KiB gzip; 100×400 create ${result.lCreate.toFixed(1)} ms, update+frame ${result.lUpdate.toFixed(1)} ms`);
    await page.close();
  }
} finally {
  await browser.close();
  await srv.stop();
}
