/**
 * `g6 kite login`: turns a Kite login into the day's access token in the secrets file.
 *
 * The flow: print the login URL; receive Kite's redirect on a loopback callback server (or take
 * a request token pasted by hand on a headless machine); exchange the request token at
 * POST /session/token with the SHA-256 checksum; validate the new token with GET /user/profile;
 * store it with its expiry (06:00 IST the next day) through the token store.
 *
 * Decisions:
 * - Settings are injected (`KiteLoginSettings`), so this module reads no config and no process
 *   state; the CLI glue (commands.ts) maps the loaded config onto them.
 * - The callback server listens on the redirect URL's port and answers only on its path, bound
 *   to 127.0.0.1 whatever the URL says (only http with host 127.0.0.1 or localhost is accepted):
 *   the request token never crosses a network. A taken port is a clear error suggesting
 *   --request-token.
 * - The browser is answered after the exchange, so "logged in" on the page is true; a refused
 *   token or a non-success status gets an error page and the same message on the terminal.
 * - One redirect is handled; the server stops once the login settles, on the timeout and on
 *   abort (Ctrl-C), so nothing keeps the process alive.
 * - The expiry is computed from G6's clock at the exchange (`now`), not from Kite's naive
 *   `login_time`: the login happens now, and 06:00 IST the next day follows from it.
 * - Printed: the login URL (it holds only the API key), the user and the expiry. Never the API
 *   secret, the request token or the access token (the client scrubs them from its errors too).
 */
import { createKiteClient, accessTokenExpiry, loginUrl as kiteLoginUrl, KITE_DEFAULT_TIMEOUT_MS } from "./client.ts";
import { writeKiteToken } from "./token-store.ts";
import { formatIsoIst } from "../../market/ist.ts";

/** What a login needs, from the config (provider.kite.*, secrets_file) and the clock. */
export type KiteLoginSettings = {
  apiKey: string;
  apiSecret: string;
  loginUrl: string;
  restUrl: string;
  redirectUrl: string;
  secretsFile: string;
  now: () => number;
};

export type KiteLoginOptions = {
  /** A request token pasted by hand: no callback server. */
  requestToken?: string;
  /** How long to wait for the browser's redirect, ms. */
  timeoutMs: number;
  /** Aborts the wait and the exchange (Ctrl-C). */
  signal?: AbortSignal;
  /** One line of output for the operator. */
  print: (line: string) => void;
  /** Deadline of each Kite call, ms (default 7 s, as the official clients). */
  callTimeoutMs?: number;
};

export type KiteLoginResult = { userId: string; userName: string; expiresAt: number };

/** A login that did not complete; `aborted` when the operator stopped it. */
export class KiteLoginError extends Error {
  constructor(
    message: string,
    readonly aborted = false,
  ) {
    super(message);
    this.name = "KiteLoginError";
  }
}

/** Where the callback server listens: the redirect URL's port and path, on 127.0.0.1. */
export type CallbackTarget = { port: number; path: string };

/** The callback server's port and path from the redirect URL; a KiteLoginError for one it cannot serve. */
export function callbackTarget(redirectUrl: string): CallbackTarget {
  let url: URL;
  try {
    url = new URL(redirectUrl);
  } catch {
    throw new KiteLoginError(`provider.kite.redirect_url: "${redirectUrl}" is not a URL`);
  }
  if (url.protocol !== "http:") {
    throw new KiteLoginError(`provider.kite.redirect_url: ${redirectUrl} is not http://; g6 kite login serves the redirect itself, on http://127.0.0.1:PORT/PATH (or log in with --request-token)`);
  }
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") {
    throw new KiteLoginError(`provider.kite.redirect_url: host "${url.hostname}" is not 127.0.0.1 or localhost; g6 kite login listens on the loopback address only (or log in with --request-token)`);
  }
  return { port: url.port === "" ? 80 : Number(url.port), path: url.pathname };
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(status: number, title: string, text: string): Response {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>\n`;
  return new Response(html, { status, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });
}

/** Exchanges a request token, validates the session and stores the token; the user and the expiry. */
async function complete(settings: KiteLoginSettings, requestToken: string, opts: KiteLoginOptions): Promise<KiteLoginResult> {
  let accessToken: string | undefined;
  const client = createKiteClient({
    restUrl: settings.restUrl,
    apiKey: settings.apiKey,
    accessToken: () => accessToken,
    timeoutMs: opts.callTimeoutMs ?? KITE_DEFAULT_TIMEOUT_MS,
  });
  const session = await client.exchangeRequestToken(requestToken, settings.apiSecret, opts.signal);
  accessToken = session.accessToken;
  const profile = await client.profile(opts.signal);
  const expiresAt = accessTokenExpiry(settings.now());
  // Aborted after Kite answered: "no token was stored" must stay true.
  if (opts.signal?.aborted) throw new KiteLoginError("login aborted; no token was stored", true);
  writeKiteToken(settings.secretsFile, session.accessToken, expiresAt);
  return { userId: profile.userId, userName: profile.userName, expiresAt };
}

/** Serves one Kite redirect on 127.0.0.1 and completes the login with its request token. */
function viaCallback(settings: KiteLoginSettings, opts: KiteLoginOptions): Promise<KiteLoginResult> {
  const target = callbackTarget(settings.redirectUrl);
  return new Promise<KiteLoginResult>((resolve, reject) => {
    let settled = false;
    let busy = false;
    let server: ReturnType<typeof Bun.serve> | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => settle(() => reject(new KiteLoginError("login aborted; no token was stored", true)));
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      // Stop listening, but let the in-flight answer reach the browser first (the caller may
      // exit the process as soon as the login settles); an idle keep-alive connection gets
      // half a second.
      const stopped = server === undefined ? Promise.resolve() : Promise.race([server.stop(), Bun.sleep(500)]);
      void stopped.then(() => {
        void server?.stop(true);
        fn();
      });
    };
    const fail = (message: string, status = 400): Response => {
      settle(() => reject(new KiteLoginError(message)));
      return page(status, "G6: Kite login failed", `${message}. Run g6 kite login again.`);
    };

    const handle = async (req: Request): Promise<Response> => {
      const url = new URL(req.url);
      if (req.method !== "GET" || url.pathname !== target.path) return new Response("not found\n", { status: 404 });
      if (settled || busy) return page(409, "G6: Kite login", "This login was already handled; you can close this tab.");
      const status = url.searchParams.get("status");
      const token = url.searchParams.get("request_token");
      if (status !== "success") return fail(`Kite redirected with status "${status ?? "(none)"}" instead of "success": the login did not complete`);
      if (token === null || token === "") return fail("Kite's redirect carried no request_token");
      busy = true;
      try {
        const result = await complete(settings, token, opts);
        settle(() => resolve(result));
        return page(200, "G6: logged in", "G6: logged in, you can close this tab.");
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        settle(() => reject(err));
        return page(502, "G6: Kite login failed", `${message}. Run g6 kite login again.`);
      }
    };

    try {
      server = Bun.serve({ hostname: "127.0.0.1", port: target.port, fetch: handle });
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
      reject(
        new KiteLoginError(
          `cannot listen on 127.0.0.1:${target.port} for Kite's redirect (${code}): another program holds the port of provider.kite.redirect_url ${settings.redirectUrl}; stop it, or log in with --request-token`,
        ),
      );
      return;
    }
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    timer = setTimeout(() => {
      if (busy) return; // the exchange has its own deadline
      settle(() => reject(new KiteLoginError(`no redirect from Kite within ${Math.round(opts.timeoutMs / 1000)} s; run g6 kite login again, or log in with --request-token`)));
    }, opts.timeoutMs);
    opts.print(`Waiting for Kite's redirect on ${settings.redirectUrl} (listening on 127.0.0.1:${target.port}; timeout ${Math.round(opts.timeoutMs / 1000)} s; Ctrl-C aborts)`);
  });
}

/** Runs a login; prints the URL, then the user and the expiry. Throws KiteLoginError or KiteApiError. */
export async function runKiteLogin(settings: KiteLoginSettings, opts: KiteLoginOptions): Promise<KiteLoginResult> {
  const manual = opts.requestToken !== undefined;
  if (manual && opts.requestToken!.trim() === "") throw new KiteLoginError("--request-token is empty");
  opts.print(`Log in to Kite in a browser: ${kiteLoginUrl(settings.apiKey, settings.loginUrl)}`);
  const result = manual ? await complete(settings, opts.requestToken!.trim(), opts) : await viaCallback(settings, opts);
  opts.print(
    `Logged in to Kite as ${result.userId}${result.userName ? ` (${result.userName})` : ""}; ` +
      `the access token is stored in ${settings.secretsFile} and expires at ${formatIsoIst(result.expiresAt)} (${new Date(result.expiresAt).toISOString()})`,
  );
  return result;
}
