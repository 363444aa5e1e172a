/** The command-line check in front of citty: every token is one the command declares. */
import { describe, expect, test } from "bun:test";
import { defineCommand, type CommandDef } from "citty";
import { parseCommandLine } from "../../src/cli-parse.ts";

const runArgs = {
  cycles: { type: "string", valueHint: "N" },
  "data-dir": { type: "string", valueHint: "DIR" },
  strict: { type: "boolean" },
} as const;
const run = defineCommand({ meta: { name: "run" }, args: runArgs });
const validate = defineCommand({ meta: { name: "validate" }, args: { file: { type: "positional", required: false } } });
const config = defineCommand({ meta: { name: "config" }, subCommands: { validate, show: defineCommand({ meta: { name: "show" }, args: runArgs }) } });
const root = defineCommand({ meta: { name: "g6" }, args: runArgs, subCommands: { run, config }, default: "run" }) as CommandDef;

const problemOf = async (argv: string[]) => (await parseCommandLine(root, argv)).problem?.message;

describe("parseCommandLine", () => {
  test("valid lines: flags with values in both forms, negated booleans, declared positionals", async () => {
    for (const argv of [
      [],
      ["--cycles", "5", "--data-dir", "/tmp/x", "--strict"],
      ["--cycles=5", "--strict=false", "--no-strict"],
      ["run", "--cycles", "-1"],
      ["config", "validate", "g6.json"],
      ["config", "validate"],
      ["config", "show", "--data-dir", "-"],
    ]) {
      expect(await problemOf(argv)).toBeUndefined();
    }
    const line = await parseCommandLine(root, ["config", "validate", "g6.json"]);
    expect(line.names).toEqual(["g6", "config", "validate"]);
    expect(line.command).toBe(validate as CommandDef);
    expect((await parseCommandLine(root, ["--cycles", "1"])).names).toEqual(["g6", "run"]);
  });

  test("unknown flags name the closest declared one", async () => {
    expect(await problemOf(["--cyles", "5"])).toBe("unknown flag --cyles; did you mean --cycles? (see g6 --help)");
    expect(await problemOf(["--data_dir", "x"])).toBe("unknown flag --data_dir; did you mean --data-dir? (see g6 --help)");
    expect(await problemOf(["run", "--frobnicate"])).toBe("unknown flag --frobnicate (see g6 run --help)");
    expect(await problemOf(["run", "-x"])).toBe("unknown flag -x (see g6 run --help)");
    expect(await problemOf(["config", "show", "--stric"])).toBe("unknown flag --stric; did you mean --strict? (see g6 config show --help)");
    expect(await problemOf(["--dataDir", "x"])).toStartWith("unknown flag --dataDir");
    expect(await problemOf(["--no-cycles"])).toStartWith("unknown flag --no-cycles");
  });

  test("missing values, values on booleans, extra arguments", async () => {
    expect(await problemOf(["--cycles"])).toBe("flag --cycles needs a value (N)");
    expect(await problemOf(["--cycles", "--strict"])).toBe("flag --cycles needs a value (N)");
    expect(await problemOf(["--cycles", ""])).toBe("flag --cycles needs a value (N)");
    expect(await problemOf(["--cycles="])).toBe("flag --cycles needs a value (N)");
    expect(await problemOf(["--strict=yes"])).toBe('flag --strict takes no value; got "yes"');
    expect(await problemOf(["run", "5"])).toBe('g6 run takes no arguments; got "5"');
    expect(await problemOf(["config", "validate", "a.json", "b.json"])).toBe('unexpected argument "b.json" (see g6 config validate --help)');
  });

  test("command names: unknown, missing, and flags placed before them", async () => {
    expect(await parseCommandLine(root, ["confg", "show"])).toMatchObject({ problem: { kind: "command", message: "unknown command confg; did you mean config? (commands: run, config)" } });
    expect(await problemOf(["5"])).toBe("unknown command 5 (commands: run, config)");
    expect(await problemOf(["config"])).toBe('a command is needed after "g6 config": validate, show (see g6 config --help)');
    expect(await problemOf(["--data-dir", "x", "config", "show"])).toBe("flag --data-dir must come after the command name (g6 config --data-dir …)");
  });

  test("help and version anywhere; help is about the last command named", async () => {
    const help = await parseCommandLine(root, ["config", "validate", "--help"]);
    expect(help.help).toBe(true);
    expect(help.helpFor).toEqual([validate as CommandDef, config as CommandDef]);
    expect((await parseCommandLine(root, ["-h"])).helpFor).toEqual([root, undefined]);
    expect((await parseCommandLine(root, ["--cycles", "1", "--help"])).helpFor).toEqual([root, undefined]);
    for (const argv of [["-v"], ["run", "--version"]]) {
      const line = await parseCommandLine(root, argv);
      expect([line.version, line.problem]).toEqual([true, undefined]);
    }
  });
});
