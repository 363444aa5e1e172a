/**
 * Malformed configurations, environment values and command lines, run through the real CLI as
 * a user would: every one must be refused with exit status 2, name what is wrong (key path,
 * file, variable or flag), show no stack trace and leave nothing behind (no data directory).
 * Cases about the config file also go through `g6 config validate`, which must agree.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/engine.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");
const ROOT = join(import.meta.dir, "../..");
const ALL_INDICES = ["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"];
const DECIMAL_HINT = "; write numbers in plain decimal (e.g. 16 or 0.5)";

type Ctx = { dir: string; out: string; config: string };
type Case = {
  name: string;
  /** Config file content (text or bytes); a function prepares something else and returns the --config path. */
  file?: string | Uint8Array | ((ctx: Ctx) => string);
  env?: Record<string, string>;
  /** Extra arguments after the base run arguments. */
  extra?: string[];
  /** The whole argument list instead of the base run arguments. */
  args?: (ctx: Ctx) => string[];
  /** Texts stderr must contain. */
  expect: (string | ((ctx: Ctx) => string))[];
  /** The file alone is at fault: `g6 config validate FILE` must refuse it too. */
  validate?: boolean;
  /** Texts the output must not contain (secrets). */
  forbid?: string[];
};

const json = (value: unknown) => JSON.stringify(value);
const fifo = (name: string) => (ctx: Ctx) => {
  const path = join(ctx.dir, name);
  expect(Bun.spawnSync(["mkfifo", path]).exitCode).toBe(0);
  return path;
};
const withSecrets = (secrets: string | ((ctx: Ctx) => string)) => (ctx: Ctx) => {
  const secretsPath = typeof secrets === "string" ? join(ctx.dir, "secrets.json") : secrets(ctx);
  if (typeof secrets === "string") writeFileSync(secretsPath, secrets, { mode: 0o600 });
  writeFileSync(ctx.config, json({ secrets_file: secretsPath }));
  return ctx.config;
};

const CASES: Case[] = [
  // Wrong types, unknown keys, out of range.
  { name: "string for a number (overridden by --interval, still reported)", file: json({ interval: "soon" }), expect: ['interval: expected number; got "soon" (from config file'], validate: true },
  { name: "string for a nested integer", file: json({ indices: { NIFTY: { strikes_below: "ten" } } }), expect: ["indices.NIFTY.strikes_below: expected number"], validate: true },
  { name: "string for a boolean", file: json({ storage: { csv: { enabled: "yes" } } }), expect: ["storage.csv.enabled: expected boolean"], validate: true },
  { name: "unknown top-level key", file: json({ intervall: 5 }), expect: ["intervall: unknown setting"], validate: true },
  { name: "unknown nested key", file: json({ storage: { csv: { dirr: "x" } } }), expect: ["storage.csv.dirr: unknown setting"], validate: true },
  { name: "out of range", file: json({ interval: 99_999 }), expect: ["interval: expected <=3600; got 99999"], validate: true },
  { name: "negative strike count", file: json({ indices: { SENSEX: { strikes_above: -1 } } }), expect: ["indices.SENSEX.strikes_above: expected >=0"], validate: true },
  { name: "market close before open", file: json({ market: { open: "15:00", close: "09:15" } }), expect: ["market.close: expected a time after market.open"], validate: true },
  { name: "weekly tag on a monthly index", file: json({ indices: { BANKNIFTY: { expiries: ["this_week"] } } }), expect: ["indices.BANKNIFTY.expiries.0: BANKNIFTY has no weekly expiries"], validate: true },
  { name: "secret in the config file", file: json({ server: { token: "abc" } }), expect: ["server.token: a secret must not be in the config file"], validate: true },
  { name: "removed setting", file: json({ analytics: { iv_fallback: 0.25 } }), expect: ["analytics.iv_fallback: removed setting"], validate: true },
  // Arrays or scalars where a group of settings is expected.
  { name: "array for a top-level group", file: json({ storage: [] }), expect: ["storage: expected an object of settings"], validate: true },
  { name: "array for a nested group", file: json({ indices: { NIFTY: [] } }), expect: ["indices.NIFTY: expected an object of settings"], validate: true },
  { name: "number for a group", file: json({ market: 5 }), expect: ["market: expected an object of settings ({…}); got 5"], validate: true },
  // Dotted keys.
  { name: "dotted key at the top", file: json({ "storage.data_dir": "x" }), expect: ['storage.data_dir: a key must not contain "."; nest it instead: {"storage": {"data_dir": …}}'], validate: true },
  { name: "dotted key nested", file: json({ indices: { "NIFTY.enabled": false } }), expect: ['indices.NIFTY.enabled: a key must not contain "."'], validate: true },
  // Prototype keys (written as text: an object literal cannot carry an own __proto__).
  { name: "__proto__ at the top", file: '{"__proto__": {"interval": 5}}', expect: ['__proto__: the key "__proto__" is not allowed'], validate: true },
  { name: "__proto__ nested", file: '{"storage": {"__proto__": {"polluted": true}}}', expect: ['storage.__proto__: the key "__proto__" is not allowed'], validate: true },
  { name: "constructor at the top", file: '{"constructor": {"prototype": {"x": 1}}}', expect: ['constructor: the key "constructor" is not allowed'], validate: true },
  { name: "prototype nested", file: '{"indices": {"NIFTY": {"prototype": 1}}}', expect: ['indices.NIFTY.prototype: the key "prototype" is not allowed'], validate: true },
  { name: "__proto__ inside an array", file: '{"market": {"holidays": [{"__proto__": {}}]}}', expect: ['market.holidays.0.__proto__: the key "__proto__" is not allowed'], validate: true },
  { name: "__proto__ in the secrets file", file: withSecrets('{"__proto__": {"x": 1}}'), expect: ['__proto__: the key "__proto__" is not allowed', (c) => `(in secrets file ${c.dir}/secrets.json)`], validate: true },
  // Impossible dates in each date setting.
  { name: "impossible holiday", file: json({ market: { holidays: ["2026-01-26", "2026-02-30"] } }), expect: ['market.holidays.1: expected a real calendar date; got "2026-02-30"'], validate: true },
  { name: "impossible sim start date", file: json({ provider: { sim: { start: "2026-02-30" } } }), expect: ['provider.sim.start: expected a real calendar date and time; got "2026-02-30"'], validate: true },
  { name: "impossible sim start time", file: json({ provider: { sim: { start: "2026-02-27T25:00" } } }), expect: ['provider.sim.start: expected a real calendar date and time; got "2026-02-27T25:00"'], validate: true },
  { name: "impossible explicit expiry", file: json({ indices: { NIFTY: { expiries: ["2026-13-45"] } } }), expect: ['indices.NIFTY.expiries.0: expected a real calendar date; got "2026-13-45"'], validate: true },
  // Every index disabled.
  {
    name: "all indices disabled",
    file: json({ indices: Object.fromEntries(ALL_INDICES.map((n) => [n, { enabled: false }])) }),
    expect: ["indices: at least one index must be enabled"],
    validate: true,
  },
  // Files that are not one JSON object.
  { name: "not JSON", file: "interval = 5\n", expect: [(c) => `config file ${c.config}: malformed JSON`], validate: true },
  { name: "JSON array at the top", file: "[1, 2]", expect: [(c) => `config file ${c.config}: the top level must be a JSON object`], validate: true },
  { name: "JSON null at the top", file: "null", expect: [(c) => `config file ${c.config}: the top level must be a JSON object`], validate: true },
  { name: "trailing garbage", file: '{"interval": 5} x', expect: [(c) => `config file ${c.config}: malformed JSON`], validate: true },
  { name: "empty file", file: "", expect: [(c) => `config file ${c.config}: is empty`], validate: true },
  { name: "blank file", file: " \n\t\n", expect: [(c) => `config file ${c.config}: is empty`], validate: true },
  { name: "not UTF-8", file: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), expect: [(c) => `config file ${c.config}: not UTF-8 text`], validate: true },
  { name: "oversize file", file: json({ interval: 5, pad: "x".repeat(2 * 1024 * 1024) }), expect: [(c) => `config file ${c.config}: is 2097`, "the limit is 1048576 bytes (1 MiB)"], validate: true },
  { name: "FIFO as the config file", file: fifo("fifo.json"), expect: [(c) => `config file ${c.dir}/fifo.json: is a FIFO; expected a regular file`], validate: true },
  { name: "/dev/zero as the config file", file: () => "/dev/zero", expect: ["config file /dev/zero: is a character device; expected a regular file"], validate: true },
  { name: "a directory as the config file", file: (c) => c.dir, expect: [(c) => `config file ${c.dir}: is a directory`], validate: true },
  { name: "missing config file", file: (c) => join(c.dir, "nope.json"), expect: [(c) => `config file ${c.dir}/nope.json: cannot be read (ENOENT)`], validate: true },
  { name: "malformed secrets file: the parser's quote of the content is withheld", file: withSecrets('{"server": {"token": SuperSecretTok42}}'), expect: [(c) => `secrets file ${c.dir}/secrets.json: malformed JSON (the parser's message is withheld`], forbid: ["SuperSecretTok42"], validate: true },
  { name: "a secret where a settings group belongs in the secrets file", file: withSecrets('{"server": "SuperSecretTok43"}'), expect: ["server: expected an object of settings ({…}); got *** (from secrets file"], forbid: ["SuperSecretTok43"], validate: true },
  { name: "FIFO as the secrets file", file: withSecrets(fifo("secrets.fifo")), expect: [(c) => `secrets file ${c.dir}/secrets.fifo: is a FIFO`], validate: true },
  { name: "data dir on /proc in the file", file: json({ storage: { data_dir: "/proc/g6-test-out" } }), args: (c) => ["--cycles", "1", "--config", c.config], expect: ["storage.data_dir: cannot be created: /proc is on the kernel's proc file system"], validate: true },
  // Environment values.
  { name: "hex number in the environment (also overridden by --interval)", env: { G6_INTERVAL: "0x10" }, expect: [`interval: expected number; got "0x10" (from environment G6_INTERVAL)${DECIMAL_HINT}`] },
  { name: "exponent number in the environment", env: { G6_PROVIDER__SIM__SEED: "1e3" }, expect: [`provider.sim.seed: expected number; got "1e3" (from environment G6_PROVIDER__SIM__SEED)${DECIMAL_HINT}`] },
  { name: "word for a number in the environment", env: { G6_INDICES__NIFTY__STRIKES_BELOW: "ten" }, expect: ['indices.NIFTY.strikes_below: expected number; got "ten" (from environment G6_INDICES__NIFTY__STRIKES_BELOW)\n'] },
  { name: "impossible date in the environment", env: { G6_MARKET__HOLIDAYS: "2026-02-30" }, expect: ["market.holidays.0: expected a real calendar date", "(from environment G6_MARKET__HOLIDAYS)"] },
  { name: "bad file value overridden by the environment", file: json({ provider: { sim: { seed: -5 } } }), env: { G6_PROVIDER__SIM__SEED: "3" }, expect: ["provider.sim.seed: expected >=0; got -5 (from config file"] },
  // Flags.
  { name: "unknown flag", extra: ["--frobnicate"], expect: ["unknown flag --frobnicate"] },
  { name: "underscore flag", args: (c) => ["--data_dir", c.out], expect: ["unknown flag --data_dir; did you mean --data-dir?"] },
  { name: "misspelt flag with a value", args: () => ["--cyles", "5"], expect: ["unknown flag --cyles; did you mean --cycles?"] },
  { name: "unknown short flag", extra: ["-x"], expect: ["unknown flag -x"] },
  { name: "flag missing its value at the end", extra: ["--seed"], expect: ["flag --seed needs a value (N)"] },
  { name: "flag missing its value before another flag", args: (c) => ["--cycles", "--interval", "0", "--data-dir", c.out], expect: ["flag --cycles needs a value (N)"] },
  { name: "flag with an empty value", args: (c) => ["--cycles=", "--data-dir", c.out], expect: ["flag --cycles needs a value (N)"] },
  { name: "hex --cycles", args: (c) => ["--cycles", "0x10", "--data-dir", c.out], expect: ['--cycles: expected a whole number ≥ 0; got "0x10"'] },
  { name: "hex --interval", args: (c) => ["--cycles", "1", "--interval", "0x10", "--data-dir", c.out], expect: [`interval: expected number; got "0x10" (from flag --interval)${DECIMAL_HINT}`] },
  { name: "word for --pool", extra: ["--pool", "lots"], expect: ["pool.size: expected", "(from flag --pool)"] },
  { name: "unknown preset", extra: ["--preset", "nope"], expect: ['--preset: unknown preset "nope"'] },
  { name: "value for a boolean flag", extra: ["--strict=maybe"], expect: ['flag --strict takes no value; got "maybe"'] },
  { name: "stray argument", extra: ["5"], expect: ["unknown command 5 (commands: run, config, metrics, summary, panels, kite, ingest)"] },
  { name: "stray argument of a command", args: (c) => ["run", "--data-dir", c.out, "5"], expect: ['g6 run takes no arguments; got "5"'] },
  { name: "unknown command", args: () => ["5"], expect: ["unknown command 5"] },
  { name: "flag before the command name", args: (c) => ["--data-dir", c.out, "run"], expect: ["flag --data-dir must come after the command name"] },
  { name: "data dir on /proc", args: () => ["--cycles", "1", "--data-dir", "/proc/g6-test-out"], expect: ['storage.data_dir: cannot be created: /proc is on the kernel\'s proc file system, which holds no files; got "/proc/g6-test-out" (from flag --data-dir)'] },
  {
    name: "data dir under a regular file",
    args: (c) => {
      writeFileSync(join(c.dir, "plain"), "");
      return ["--cycles", "1", "--data-dir", join(c.dir, "plain/out")];
    },
    expect: [(c) => `storage.data_dir: ${c.dir}/plain is not a directory`],
  },
  { name: "unknown flag of config show", args: () => ["config", "show", "--intervall", "5"], expect: ["unknown flag --intervall; did you mean --interval? (see g6 config show --help)"] },
  { name: "unknown flag of config validate", args: (c) => ["config", "validate", c.config, "--strict"], expect: ["unknown flag --strict (see g6 config validate --help)"] },
  { name: "unknown flag of summary", args: () => ["summary", "--prot", "9108"], expect: ["unknown flag --prot; did you mean --port?"] },
  { name: "unknown flag of panels verify", args: (c) => ["panels", "verify", c.dir, "--jsn"], expect: ["unknown flag --jsn; did you mean --json?"] },
  { name: "unknown flag of metrics docs", args: (c) => ["metrics", "docs", "--ot", join(c.out, "m.md")], expect: ["unknown flag --ot; did you mean --out?"] },
  { name: "extra argument of config validate", args: (c) => ["config", "validate", c.config, "other.json"], expect: ['unexpected argument "other.json"'] },
];

function g6(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawnSync([process.execPath, CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", G6_SERVER__ENABLED: "false", ...env },
    // A hang (a FIFO read) or runaway read (/dev/zero) fails the case instead of the suite.
    timeout: 15_000,
  });
  return { code: proc.exitCode, output: proc.stdout.toString() + proc.stderr.toString(), stderr: proc.stderr.toString() };
}

function prepare(c: Case): Ctx {
  const dir = tempDir("g6-malformed-");
  const ctx: Ctx = { dir, out: join(dir, "out"), config: join(dir, "bad.json") };
  if (typeof c.file === "function") ctx.config = c.file(ctx);
  else writeFileSync(ctx.config, c.file ?? "{}");
  return ctx;
}

function expectRefused(res: ReturnType<typeof g6>, c: Case, ctx: Ctx) {
  for (const text of c.expect) expect(res.stderr).toContain(typeof text === "function" ? text(ctx) : text);
  for (const text of c.forbid ?? []) expect(res.output).not.toContain(text);
  expect(res.output).not.toMatch(/^ {4}at /m);
  expect(res.code).toBe(2);
  expect(existsSync(ctx.out)).toBe(false);
}

describe("refused with exit 2, named, no stack trace, nothing written", () => {
  test("the table has 30+ cases with distinct names", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  for (const c of CASES) {
    test(c.name, () => {
      const ctx = prepare(c);
      const args = c.args ? c.args(ctx) : ["--cycles", "1", "--interval", "0", "--data-dir", ctx.out, "--config", ctx.config, ...(c.extra ?? [])];
      expectRefused(g6(args, c.env), c, ctx);
      if (c.validate) expectRefused(g6(["config", "validate", ctx.config]), c, ctx);
    });
  }
});

describe("the same run with a good config works (the cases fail for their own reason)", () => {
  test("exit 0 and files written", () => {
    const dir = tempDir("g6-malformed-");
    const config = join(dir, "good.json");
    writeFileSync(config, json({ provider: { sim: { start: "2026-02-27T10:00" } }, market: { holidays: ["2026-01-26"] }, indices: { NIFTY: { expiries: ["this_week", "2026-03-31"] } } }));
    mkdirSync(join(dir, "plain"));
    const res = g6(["--cycles", "1", "--interval", "0", "--data-dir", join(dir, "out"), "--config", config], { G6_INTERVAL: "16", G6_PROVIDER__SIM__SEED: "7" });
    expect(res.output).not.toContain("invalid configuration");
    expect(res.code).toBe(0);
    expect(existsSync(join(dir, "out/active_config.json"))).toBe(true);
  });
});
