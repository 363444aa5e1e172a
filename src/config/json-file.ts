/**
 * Reads the JSON files of the configuration (the config file and the secrets file) safely:
 * only regular files, at most MAX_CONFIG_FILE_BYTES, UTF-8, a JSON object at the top, and no
 * key that would reach an object's prototype or be misread as a key path. Everything wrong
 * is a ConfigError naming the file (and the key path), raised before any merge.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { ConfigError } from "./errors.ts";

/** Size limit of a config or secrets file: 1 MiB, far above any real configuration. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** Keys that reach or replace an object's prototype when merged by key path. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Deeper nesting than this is no G6 configuration (its own depth is 4). */
const MAX_DEPTH = 32;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * The file's bytes. Opened non-blocking so that a FIFO cannot stall the open, and checked on
 * the open descriptor (no race with a rename); reads at most the cap plus one byte, so a file
 * growing while read cannot push memory past the cap either.
 */
function readBounded(file: string, what: string): Buffer {
  const fail = (reason: string) => new ConfigError([`${what} ${file}: ${reason}`]);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw fail(`is ${kindOf(st)}; expected a regular file`);
    if (st.size > MAX_CONFIG_FILE_BYTES) throw fail(`is ${st.size} bytes; the limit is ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`);
    const buf = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_CONFIG_FILE_BYTES) throw fail(`is larger than the limit of ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`);
    }
    return buf.subarray(0, length);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Problems with the keys of a parsed JSON value: prototype keys, keys containing "." (which
 * the loader would read as a key path), empty keys, and excessive nesting. `path` is the key
 * path of `value` (array items by index).
 */
export function keyProblems(value: unknown, path = "", depth = 0): string[] {
  if (typeof value !== "object" || value === null) return [];
  if (depth > MAX_DEPTH) return [`${path}: nested deeper than ${MAX_DEPTH} levels`];
  const problems: string[] = [];
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [String(i), item]) : Object.entries(value);
  for (const [key, child] of entries) {
    const at = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) {
      problems.push(`${at}: the key "${key}" is not allowed (merged by key path, it would reach object prototypes)`);
      continue;
    }
    if (key === "") {
      problems.push(`${path || "(top level)"}: an empty key "" is not allowed`);
      continue;
    }
    if (!Array.isArray(value) && key.includes(".")) {
      const [head, ...rest] = key.split(".");
      problems.push(`${at}: a key must not contain "."; nest it instead: {"${head}": {"${rest.join(".")}": …}}`);
      continue;
    }
    problems.push(...keyProblems(child, at, depth + 1));
  }
  return problems;
}

/** Reads and parses a JSON object file; `what` names it in messages ("config file", …). */
export function readJsonObject(file: string, what: string): Record<string, unknown> {
  const bytes = readBounded(file, what);
  let text: string;
  try {
    // fatal: bytes that are not UTF-8 are an error, not silently replaced; a BOM is dropped.
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError([`${what} ${file}: not UTF-8 text`]);
  }
  if (text.trim() === "") throw new ConfigError([`${what} ${file}: is empty; expected a JSON object`]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // The parser quotes the text it stumbled on: never for a file that holds secrets.
    const detail = what === SECRETS_FILE ? "the parser's message is withheld: it would quote the file's content" : (err as Error).message;
    throw new ConfigError([`${what} ${file}: malformed JSON (${detail})`]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${what} ${file}: the top level must be a JSON object`]);
  }
  const problems = keyProblems(parsed).map((p) => `${p} (in ${what} ${file})`);
  if (problems.length) throw new ConfigError(problems);
  return parsed as Record<string, unknown>;
}

/** What the secrets file is called in messages: its content is never quoted in them. */
export const SECRETS_FILE = "secrets file";
