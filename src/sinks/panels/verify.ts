/**
 * `g6 panels verify`: checks a panel directory against its manifest. For every listed file it
 * checks that the file exists, parses, carries the manifest's hash, and that the hash is the
 * SHA-256 of the canonical JSON of its data. Pure apart from reading the files.
 *
 * Given the panels directory, it checks the generation `current` points at: it resolves the link
 * once and reads every file from that generation, so a concurrent writer cannot mix two sets.
 * If that generation is removed mid-read (a reader slower than two writes) and `current` has
 * moved on, it checks the new one. A directory without `current` (a generation directory itself,
 * or a flat layout) is checked as it is.
 *
 * Outcome: "ok" (exit 0); "mismatch" when a file is missing, malformed or its hash disagrees
 * (exit 1); "unreadable" when the manifest cannot be read or parsed, or a file cannot be read
 * for a reason other than absence (exit 2).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { canonicalSha256 } from "./canonical.ts";
import { CURRENT_LINK, currentGeneration } from "./generations.ts";
import { MANIFEST_FILE, type ManifestEntry } from "./sink.ts";

export type FileCheck = { file: string; ok: boolean; problem: string | null };
export type VerifyOutcome = "ok" | "mismatch" | "unreadable";
/** `generation`: what `current` pointed at when the set was read (null: `dir` was checked as it is). */
export type VerifyReport = { dir: string; generation: string | null; outcome: VerifyOutcome; files: FileCheck[]; problems: string[] };

/** Times a reader moves on to a newer generation when its own was removed under it. */
const GENERATION_RETRIES = 5;

/** Exit status of an outcome: 0 ok, 1 mismatch or missing, 2 unreadable. */
export function verifyExitCode(outcome: VerifyOutcome): number {
  return outcome === "ok" ? 0 : outcome === "mismatch" ? 1 : 2;
}

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

function isEntry(x: unknown): x is ManifestEntry {
  const e = x as Partial<ManifestEntry> | null;
  return typeof e === "object" && e !== null && typeof e.file === "string" && typeof e.sha256 === "string" && !e.file.includes("/") && !e.file.includes("\\");
}

function readManifest(dir: string): ManifestEntry[] | string {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_FILE), "utf8");
  } catch (err) {
    return `${MANIFEST_FILE}: cannot be read (${errCode(err)})`;
  }
  try {
    const manifest = JSON.parse(text) as { files?: unknown };
    if (!Array.isArray(manifest.files) || !manifest.files.every(isEntry)) return `${MANIFEST_FILE}: no valid "files" list`;
    return manifest.files;
  } catch (err) {
    return `${MANIFEST_FILE}: malformed JSON (${(err as Error).message})`;
  }
}

function checkFile(dir: string, entry: ManifestEntry): FileCheck & { unreadable?: boolean } {
  const bad = (problem: string, unreadable = false) => ({ file: entry.file, ok: false, problem, unreadable });
  let text: string;
  try {
    text = readFileSync(join(dir, entry.file), "utf8");
  } catch (err) {
    return errCode(err) === "ENOENT" ? bad("missing") : bad(`cannot be read (${errCode(err)})`, true);
  }
  let envelope: { data?: unknown; sha256?: unknown };
  try {
    envelope = JSON.parse(text) as typeof envelope;
  } catch {
    return bad("malformed JSON");
  }
  if (typeof envelope !== "object" || envelope === null || !("data" in envelope)) return bad("no data in envelope");
  const actual = canonicalSha256(envelope.data);
  if (envelope.sha256 !== entry.sha256) return bad(`hash ${String(envelope.sha256)} differs from the manifest's ${entry.sha256}`);
  if (actual !== entry.sha256) return bad(`data hashes to ${actual}, manifest says ${entry.sha256}`);
  return { file: entry.file, ok: true, problem: null };
}

/** Verifies the files of one generation (or flat directory) `root`. */
function verifySet(root: string): Omit<VerifyReport, "dir" | "generation"> {
  const entries = readManifest(root);
  if (typeof entries === "string") return { outcome: "unreadable", files: [], problems: [entries] };
  const checks = entries.map((e) => checkFile(root, e));
  const files = checks.map(({ file, ok, problem }) => ({ file, ok, problem }));
  const problems = checks.filter((c) => !c.ok).map((c) => `${c.file}: ${c.problem}`);
  if (entries.length === 0) problems.push(`${MANIFEST_FILE}: lists no files`);
  const outcome: VerifyOutcome = checks.some((c) => c.unreadable) ? "unreadable" : problems.length ? "mismatch" : "ok";
  return { outcome, files, problems };
}

/** `current`'s link text, or a problem line when the link exists but cannot be read. */
function readCurrent(dir: string): { generation: string | null } | { problem: string } {
  try {
    return { generation: currentGeneration(dir) };
  } catch (err) {
    return { problem: `${CURRENT_LINK}: cannot be read (${errCode(err)})` };
  }
}

/** Verifies the panel directory `dir` (see the module comment for outcomes). */
export function verifyPanels(dir: string): VerifyReport {
  for (let attempt = 0; ; attempt++) {
    const link = readCurrent(dir);
    if ("problem" in link) return { dir, generation: null, outcome: "unreadable", files: [], problems: [link.problem] };
    const { generation } = link;
    const report = { dir, generation, ...verifySet(generation === null ? dir : resolve(dir, generation)) };
    if (report.outcome === "ok" || generation === null || attempt === GENERATION_RETRIES) return report;
    const now = readCurrent(dir);
    if (!("generation" in now) || now.generation === generation) return report;
  }
}
