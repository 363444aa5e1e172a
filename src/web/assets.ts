/**
 * The dashboard's static assets: the page under src/web/ui bundled by Bun (HTML entry point,
 * its TypeScript, CSS and uPlot) once per process, on the first request for it, held in memory, served under `/` and
 * `/assets/`. Hashed asset names are cached for a year (immutable); the page itself is
 * revalidated every time. Every asset carries the content security policy: scripts, styles,
 * data and connections only from this origin, no inline script, no framing.
 */
import { join } from "node:path";

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers every dashboard asset carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export type Asset = { body: Uint8Array<ArrayBuffer>; type: string; immutable: boolean; etag: string };
export type Bundle = { assets: ReadonlyMap<string, Asset>; bytes: number; buildMs: number };

const ENTRY = join(import.meta.dir, "ui", "index.html");

/** Bundles the page (minified): URL path → asset. Throws with Bun's build messages when it fails. */
export async function buildBundle(): Promise<Bundle> {
  const t0 = performance.now();
  const out = await Bun.build({ entrypoints: [ENTRY], minify: true, publicPath: "/assets/", target: "browser" });
  if (!out.success) throw new Error(`web dashboard bundle failed: ${out.logs.map(String).join("; ")}`);
  const assets = new Map<string, Asset>();
  let bytes = 0;
  for (const o of out.outputs) {
    const body = new Uint8Array(await o.arrayBuffer());
    bytes += body.length;
    const name = o.path.replace(/^\.\//, "");
    const page = name === "index.html";
    assets.set(page ? "/" : `/assets/${name}`, { body, type: o.type, immutable: !page, etag: `"${Bun.hash(body).toString(36)}"` });
  }
  return { assets, bytes, buildMs: performance.now() - t0 };
}

let bundle: Promise<Bundle> | null = null;
/** The process's bundle (built on first use, shared by every server in the process). */
export function sharedBundle(): Promise<Bundle> {
  bundle ??= buildBundle();
  bundle.catch(() => {
    bundle = null;
  });
  return bundle;
}

/** The response for an asset (304 when the client's ETag matches). */
export function assetResponse(a: Asset, req: Request): Response {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    "content-type": a.type,
    etag: a.etag,
    "cache-control": a.immutable ? "public, max-age=31536000, immutable" : "no-cache",
  };
  if (req.headers.get("if-none-match") === a.etag) return new Response(null, { status: 304, headers });
  return new Response(req.method === "HEAD" ? null : (a.body as Uint8Array<ArrayBuffer>), { headers });
}
