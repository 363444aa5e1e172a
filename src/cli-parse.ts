/**
 * Checks a command line against the commands' declared args before citty runs it. citty
 * ignores what it does not know (an unknown flag, a flag before the command name, a missing
 * value, an extra argument), which turns typos into silently different runs; here each of those
 * is a usage problem naming the token and, when one is close, the valid spelling. Also finds
 * the built-in --help/-h and --version/-v and the command they are about.
 */
import type { ArgDef, ArgsDef, CommandDef, Resolvable } from "citty";
import { closest } from "./config/hygiene.ts";

export type ParsedCommandLine = {
  /** The command the line runs (after following names and the default), and its parent. */
  command: CommandDef;
  parent?: CommandDef;
  /** Names from the root to `command`, e.g. ["g6", "config", "validate"]. */
  names: string[];
  /** The command a help request is about: the last one named (not reached by a default), and its parent. */
  helpFor: [CommandDef, CommandDef | undefined];
  help: boolean;
  version: boolean;
  /** The first usage problem; `kind` "command" for an unknown command name (help cannot be shown for it). */
  problem?: { kind: "command" | "args"; message: string };
};

const HELP = new Set(["--help", "-h"]);
const VERSION = new Set(["--version", "-v"]);
/** A token that is a (negative) number, which is a value, not a flag: "-1", "-0.5". */
const NUMBER_LIKE = /^-(\d+(\.\d*)?|\.\d+)$/;

async function resolved<T>(value: Resolvable<T> | undefined): Promise<T | undefined> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

const isFlag = (token: string) => token.startsWith("-") && token !== "-" && !NUMBER_LIKE.test(token);
const takesValue = (def: ArgDef | undefined) => def?.type === "string" || def?.type === "enum";

/** Index of the first token that is not a flag or a flag's value, as citty finds a command name. */
function commandIndex(tokens: readonly string[], args: ArgsDef): number {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "--") return -1;
    if (!isFlag(token)) return i;
    // A value flag followed by a flag has no value (a problem reported later), not that flag as value.
    const next = tokens[i + 1];
    if (token.startsWith("--") && !token.includes("=") && takesValue(args[token.slice(2)]) && next !== undefined && !isFlag(next)) i++;
  }
  return -1;
}

function unknownFlag(flag: string, args: ArgsDef, where: string): string {
  const names = Object.entries(args).filter(([, d]) => d.type !== "positional").map(([n]) => n);
  const suggestion = flag.startsWith("--") ? closest(flag.slice(2), [...names, "help", "version"]) : undefined;
  return `unknown flag ${flag}${suggestion ? `; did you mean --${suggestion}?` : ""} (see ${where} --help)`;
}

/**
 * The problem with a command's own tokens (flags and positionals), if any; sets `out.help` /
 * `out.version` when those built-in flags appear.
 */
function checkTokens(tokens: readonly string[], args: ArgsDef, where: string, out: { help: boolean; version: boolean }): string | undefined {
  const positionals = Object.values(args).filter((d) => d.type === "positional").length;
  // A positional whose value hint ends in "..." takes any number of arguments (g6 ingest PATH...).
  const variadic = Object.values(args).some((d) => d.type === "positional" && d.valueHint?.endsWith("..."));
  let seen = 0;
  let problem: string | undefined;
  const report = (message: string) => void (problem ??= message);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (HELP.has(token)) out.help = true;
    else if (VERSION.has(token)) out.version = true;
    else if (token === "--") {
      seen += tokens.length - i - 1;
      break;
    } else if (token.startsWith("--") && !NUMBER_LIKE.test(token)) {
      const eq = token.indexOf("=");
      const name = token.slice(2, eq === -1 ? undefined : eq);
      const inline = eq === -1 ? undefined : token.slice(eq + 1);
      const def = args[name];
      const negated = name.startsWith("no-") && args[name.slice(3)]?.type === "boolean";
      if (negated && inline === undefined) continue;
      if (!def || def.type === "positional" || negated) report(unknownFlag(`--${name}`, args, where));
      else if (def.type === "boolean") {
        if (inline !== undefined && inline !== "true" && inline !== "false") report(`flag --${name} takes no value; got "${inline}"`);
      } else if (inline !== undefined) {
        if (inline === "") report(`flag --${name} needs a value${def.valueHint ? ` (${def.valueHint})` : ""}`);
      } else {
        const next = tokens[i + 1];
        if (next === undefined || next === "" || isFlag(next)) report(`flag --${name} needs a value${def.valueHint ? ` (${def.valueHint})` : ""}`);
        else i++;
      }
    } else if (isFlag(token)) {
      report(unknownFlag(token, args, where));
    } else if (seen < positionals || variadic) seen++;
    else report(positionals ? `unexpected argument "${token}" (see ${where} --help)` : `${where} takes no arguments; got "${token}"`);
  }
  if (seen > positionals && !variadic) report(`${where}: too many arguments`);
  return problem;
}

/** Resolves the command a line runs and checks every token against that command's declared args. */
export async function parseCommandLine(root: CommandDef, argv: readonly string[]): Promise<ParsedCommandLine> {
  const out: ParsedCommandLine = { command: root, names: [(await resolved(root.meta))?.name ?? "g6"], helpFor: [root, undefined], help: false, version: false };
  let tokens = argv;
  for (;;) {
    const subs = await resolved(out.command.subCommands);
    if (!subs || Object.keys(subs).length === 0) break;
    const args = (await resolved(out.command.args)) ?? {};
    const where = out.names.join(" ");
    const index = commandIndex(tokens, args);
    const before = index === -1 ? [] : tokens.slice(0, index);
    // Flags before a command name are read by the parent, which has no run: they would be lost.
    // Unknown flags are reported first, then an unknown command, then known flags out of place.
    let misplaced: string | undefined;
    for (const token of before) {
      const flag = token.split("=")[0]!;
      if (HELP.has(token)) out.help = true;
      else if (VERSION.has(token)) out.version = true;
      else if (!isFlag(token)) continue;
      else if (args[flag.replace(/^--?/, "")]) misplaced ??= flag;
      else out.problem ??= { kind: "args", message: unknownFlag(flag, args, where) };
    }
    let name: string | undefined = index === -1 ? undefined : tokens[index];
    const named = name !== undefined;
    if (name === undefined) {
      name = await resolved(out.command.default);
      if (name === undefined) {
        out.problem ??= { kind: "args", message: `a command is needed after "${where}": ${Object.keys(subs).join(", ")} (see ${where} --help)` };
        checkTokens(tokens, {}, where, out);
        return out;
      }
    } else tokens = tokens.slice(index + 1);
    const sub = subs[name] === undefined ? undefined : await resolved(subs[name]);
    if (!sub) {
      const suggestion = closest(name, Object.keys(subs));
      out.problem ??= { kind: "command", message: `unknown command ${name}${suggestion ? `; did you mean ${suggestion}?` : ""} (commands: ${Object.keys(subs).join(", ")})` };
      checkTokens(tokens, {}, where, out);
      return out;
    }
    if (misplaced) out.problem ??= { kind: "args", message: `flag ${misplaced} must come after the command name (${where} ${name} ${misplaced} …)` };
    out.parent = out.command;
    out.command = sub;
    out.names.push(name);
    if (named) out.helpFor = [sub, out.parent];
  }
  const problem = checkTokens(tokens, (await resolved(out.command.args)) ?? {}, out.names.join(" "), out);
  if (problem && !out.problem) out.problem = { kind: "args", message: problem };
  return out;
}
