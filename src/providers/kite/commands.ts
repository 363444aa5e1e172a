/**
 * `g6 kite login` and `g6 kite status`: the thin glue between the loaded config and the pure
 * login and status modules. `kiteLoginSettings` is the one place that maps config keys
 * (`provider.kite.*`, `secrets_file`) onto their inputs. The process (environment, Ctrl-C,
 * output) comes in through `KiteHost` from src/cli.ts.
 *
 * Exit status: login 0 when the token is stored, 1 when the login failed, 130 when aborted;
 * status 0 when the stored token is valid, 1 when it is invalid, expired, missing or could not
 * be checked; 2 for a configuration problem (both).
 */
import { defineCommand } from "citty";
import { ConfigError } from "../../config/errors.ts";
import { loadConfig } from "../../config/load.ts";
import { loadInputFrom, runArgs } from "../../config/run-args.ts";
import type { G6Config } from "../../config/schema.ts";
import { ExitStatus } from "../../exit.ts";
import { KiteApiError } from "./client.ts";
import { KiteLoginError, runKiteLogin, type KiteLoginSettings } from "./login.ts";
import { kiteStatusLine, kiteTokenStatus } from "./status.ts";

export type KiteHost = {
  env: () => Record<string, string | undefined>;
  /** Calls `fn` on SIGINT/SIGTERM until the returned function is called. */
  onInterrupt: (fn: () => void) => () => void;
  print: (line: string) => void;
  error: (line: string) => void;
  now: () => number;
};

/** Default wait for the browser's redirect, seconds. */
export const DEFAULT_LOGIN_TIMEOUT_SECONDS = 300;

const NO_API_KEY = "provider.kite.api_key: not set; put the Kite Connect app's API key in the config file or G6_PROVIDER__KITE__API_KEY";
const NO_API_SECRET = "provider.kite.api_secret: not set; put it in the secrets file or G6_PROVIDER__KITE__API_SECRET";
const NO_SECRETS_FILE = "secrets_file: not set; g6 kite login stores the access token there (a JSON file outside the G6 directory, mode 600)";

/**
 * The login settings from a loaded config. Every missing one is reported together, with where
 * to set it (the API secret only in the environment or the secrets file).
 */
export function kiteLoginSettings(config: Readonly<G6Config>, now: () => number): KiteLoginSettings {
  const kite = config.provider.kite;
  const problems: string[] = [];
  if (kite.api_key === null) problems.push(NO_API_KEY);
  if (kite.api_secret === null) problems.push(NO_API_SECRET);
  if (config.secrets_file === null) problems.push(NO_SECRETS_FILE);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    apiKey: kite.api_key!,
    apiSecret: kite.api_secret!,
    loginUrl: kite.login_url,
    restUrl: kite.rest_url,
    redirectUrl: kite.redirect_url,
    secretsFile: config.secrets_file!,
    now,
  };
}

const configArgs = { config: runArgs.config, strict: runArgs.strict } as const;

function loadFor(args: { config?: string; strict?: boolean }, host: KiteHost): Readonly<G6Config> {
  const loaded = loadConfig(loadInputFrom({ config: args.config, strict: args.strict }, host.env()));
  for (const w of loaded.warnings) host.error(`g6: warning: ${w}`);
  return loaded.config;
}

/** `--timeout`: whole seconds ≥ 1. */
function parseTimeout(raw: string | undefined): number {
  const s = (raw ?? String(DEFAULT_LOGIN_TIMEOUT_SECONDS)).trim();
  const n = /^\d+$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError([`--timeout: expected whole seconds ≥ 1; got ${JSON.stringify(raw)}`]);
  return n;
}

function loginCommand(host: KiteHost) {
  return defineCommand({
    meta: { name: "login", description: "Log in to Kite and store the day's access token in the secrets file (exit 0 stored, 1 failed, 130 aborted)" },
    args: {
      ...configArgs,
      "request-token": { type: "string", description: "The request_token from Kite's redirect URL, pasted by hand (no callback server)", valueHint: "TOKEN" },
      timeout: { type: "string", description: `Seconds to wait for Kite's redirect (default ${DEFAULT_LOGIN_TIMEOUT_SECONDS})`, valueHint: "SECONDS" },
    },
    async run({ args }) {
      const timeoutSeconds = parseTimeout(args.timeout);
      const settings = kiteLoginSettings(loadFor(args, host), host.now);
      const controller = new AbortController();
      const release = host.onInterrupt(() => controller.abort());
      try {
        await runKiteLogin(settings, {
          ...(args["request-token"] !== undefined ? { requestToken: args["request-token"] } : {}),
          timeoutMs: timeoutSeconds * 1000,
          signal: controller.signal,
          print: host.print,
        });
      } catch (err) {
        if (controller.signal.aborted) {
          host.error("g6: kite login aborted; no token was stored");
          throw new ExitStatus(130);
        }
        if (err instanceof KiteLoginError || err instanceof KiteApiError) {
          host.error(`g6: kite login failed: ${err.message}`);
          throw new ExitStatus(1);
        }
        throw err;
      } finally {
        release();
      }
    },
  });
}

function statusCommand(host: KiteHost) {
  return defineCommand({
    meta: { name: "status", description: "Check the stored Kite access token against Kite (exit 0 valid; 1 invalid, expired, missing or unchecked)" },
    args: configArgs,
    async run({ args }) {
      const config = loadFor(args, host);
      const kite = config.provider.kite;
      const problems: string[] = [];
      if (kite.api_key === null) problems.push(NO_API_KEY);
      if (config.secrets_file === null) problems.push(NO_SECRETS_FILE);
      if (problems.length > 0) throw new ConfigError(problems);
      const settings = { apiKey: kite.api_key!, restUrl: kite.rest_url, secretsFile: config.secrets_file!, now: host.now };
      const status = await kiteTokenStatus(settings);
      host.print(kiteStatusLine(status, settings.secretsFile));
      if (status.state !== "valid") throw new ExitStatus(1);
    },
  });
}

/** The `g6 kite` command group. */
export function kiteCommand(host: KiteHost) {
  return defineCommand({
    meta: { name: "kite", description: "Zerodha Kite Connect: daily login and token status" },
    subCommands: { login: loginCommand(host), status: statusCommand(host) },
  });
}
