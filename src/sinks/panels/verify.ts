/**
 * `g6 panels verify`: checks a panel directory against its manifest. For every listed file it
 * checks that the file exists, parses, carries the manifest's hash, and that the hash is the
 * SHA-256 of the canonical JSON of its data. Pure apart from reading the files.
 *
 * Outcome: "ok" (exit 0); "mismatch" when a file is missing, malformed or its hash disagrees
 * (exit 1); "unreadable" when the manifest cannot be read or parsed, or a file cannot be read
 * for a reason other than absence (exit 2).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalSha256 } from "./canonical.ts";
import { MANIFEST_FILE, type ManifestEntry } from "./sink.ts";

export type FileCheck = { file: string; ok: boolean; problem: string | null };
export type VerifyOutcome = "ok" | "mismatch" | "unreadable";
export type VerifyReport = { dir: string; outcome: VerifyOutcome; files: FileCheck[]; problems: string[] };

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

/** Verifies the panel directory `dir` (see the module comment for outcomes). */
export function verifyPanels(dir: string): VerifyReport {
  const entries = readManifest(dir);
  if (typeof entries === "string") return { dir, outcome: "unreadable", files: [], problems: [entries] };
  const checks = entries.map((e) => checkFile(dir, e));
  const files = checks.map(({ file, ok, problem }) => ({ file, ok, problem }));
  const problems = checks.filter((c) => !c.ok).map((c) => `${c.file}: ${c.problem}`);
  if (entries.length === 0) problems.push(`${MANIFEST_FILE}: lists no files`);
  const outcome: VerifyOutcome = checks.some((c) => c.unreadable) ? "unreadable" : problems.length ? "mismatch" : "ok";
  return { dir, outcome, files, problems };
}
