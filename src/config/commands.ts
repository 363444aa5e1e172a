/**
 * `g6 config …`: show (with --explain and --json), validate, schema, docs, reload. Output goes
 * to stdout; failures throw ExitStatus (or ConfigError, exit 2) for src/cli.ts to turn into the
 * exit code. Secrets are never printed.
 */
import { defineCommand } from "citty";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadInputFrom, runArgs, type RunArgs } from "./run-args.ts";
import { ExitStatus } from "../exit.ts";
import { CONFIG_DOCS_FILE, configDocs, EXAMPLE_CONFIG_FILE, exampleConfig } from "./docs.ts";
import { ConfigError } from "./errors.ts";
import { configJsonSchema } from "./json-schema.ts";
import { DEFAULT_CONFIG_FILE, loadConfig } from "./load.ts";
import { configHash, explain, explainText, redacted } from "./render.ts";

type Env = () => Record<string, string | undefined>;

function showCommand(env: Env) {
  return defineCommand({
    meta: { name: "show", description: "Print the effective configuration (secrets as ***)" },
    args: {
      ...runArgs,
      explain: { type: "boolean", description: "Show each value's source and mark values that differ from defaults" },
      json: { type: "boolean", description: "Machine-readable output" },
    },
    run({ args }) {
      const loaded = loadConfig(loadInputFrom(args as RunArgs, env()));
      for (const w of loaded.warnings) console.error(`g6: warning: ${w}`);
      if (args.json) {
        const body = args.explain ? { hash: configHash(loaded.config), settings: explain(loaded) } : redacted(loaded.config);
        console.log(JSON.stringify(body, null, 2));
      } else if (args.explain) {
        process.stdout.write(`config ${configHash(loaded.config)}\n${explainText(loaded)}`);
      } else {
        console.log(JSON.stringify(redacted(loaded.config), null, 2));
      }
    },
  });
}

const validateCommand = defineCommand({
  meta: { name: "validate", description: "Check a config file without running anything (exit 0 valid, 2 invalid)" },
  args: { file: { type: "positional", description: `Config file (default ${DEFAULT_CONFIG_FILE})`, required: false } },
  run({ args }) {
    const file = args.file ?? DEFAULT_CONFIG_FILE;
    const loaded = loadConfig({ file });
    for (const w of loaded.warnings) console.log(`warning: ${w}`);
    console.log(`${file}: valid (config ${configHash(loaded.config)})`);
  },
});

const schemaCommand = defineCommand({
  meta: { name: "schema", description: "Print the JSON Schema of the config file (for editors)" },
  args: { out: { type: "string", description: "Write to FILE instead of stdout", valueHint: "FILE" } },
  run({ args }) {
    const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    if (args.out) writeFileSync(args.out, text);
    else process.stdout.write(text);
  },
});

const docsCommand = defineCommand({
  meta: { name: "docs", description: `Regenerate ${CONFIG_DOCS_FILE} and ${EXAMPLE_CONFIG_FILE} from the schema` },
  args: { check: { type: "boolean", description: "Exit 1 when the committed files are out of date; write nothing" } },
  run({ args }) {
    const outputs: [string, string][] = [
      [CONFIG_DOCS_FILE, configDocs()],
      [EXAMPLE_CONFIG_FILE, exampleConfig()],
    ];
    let stale = 0;
    for (const [file, text] of outputs) {
      const current = existsSync(file) ? readFileSync(file, "utf8") : "";
      if (current === text) continue;
      stale++;
      if (args.check) console.log(`${file} is out of date (run g6 config docs)`);
      else {
        writeFileSync(file, text);
        console.log(`wrote ${file}`);
      }
    }
    if (args.check && stale) throw new ExitStatus(1);
  },
});

function reloadCommand(env: Env) {
  return defineCommand({
    meta: { name: "reload", description: "Ask a running engine (its HTTP API) to reload its config file" },
    args: { ...runArgs },
    async run({ args }) {
      const { config } = loadConfig(loadInputFrom(args as RunArgs, env()));
      const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
      const headers: Record<string, string> = config.server.token ? { authorization: `Bearer ${config.server.token}` } : {};
      let res: Response;
      try {
        res = await fetch(`http://${host}:${config.server.port}/config/reload`, { method: "POST", headers });
      } catch (err) {
        throw new ConfigError([`server: no running engine at ${host}:${config.server.port} (${(err as Error).message})`]);
      }
      const body = await res.text();
      console.log(body.trim());
      if (!res.ok) throw new ExitStatus(res.status === 422 ? 2 : 1);
    },
  });
}

export function configCommand(env: Env) {
  return defineCommand({
    meta: { name: "config", description: "Show, validate, document and reload the configuration" },
    subCommands: { show: showCommand(env), validate: validateCommand, schema: schemaCommand, docs: docsCommand, reload: reloadCommand(env) },
  });
}
