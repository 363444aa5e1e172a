import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { importSpecifiers, scanImports, violations } from "./rules.ts";

const SRC = join(import.meta.dir, "../../src");

describe("dependency direction", () => {
  test("no file under src/ imports against the direction cli → app → engine → providers/sinks/metrics/summary/server → config, state → low modules", () => {
    const files = scanImports(SRC);
    // The scan saw the tree (a wrong root would pass vacuously).
    expect(files.get("engine/engine.ts")).toContain("contracts/index.ts");
    expect(files.get("server/server.ts")).toContain("state/index.ts");
    expect(violations(files)).toEqual([]);
  });

  test("the checker names each violation with file and import", () => {
    const files = new Map([
      ["providers/sim/provider.ts", ["engine/compute.ts", "contracts/index.ts"]],
      ["sinks/panels/sink.ts", ["summary/tracker.ts"]],
      ["config/schema.ts", ["metrics/types.ts"]],
      ["config/commands.ts", ["cli-args.ts"]],
      ["contracts/cycle.ts", ["engine/cycle.ts", "g6csv/rows.ts"]],
      ["engine/jobs.ts", ["providers/sim/model.ts", "contracts/index.ts"]],
      ["alerts/state.ts", ["sinks/types.ts"]],
      ["state/store.ts", ["config/schema.ts", "contracts/index.ts", "metrics/types.ts"]],
      ["sinks/status/sink.ts", ["state/index.ts"]],
      ["config/load.ts", ["state/store.ts"]],
      ["server/server.ts", ["state/index.ts", "metrics/index.ts"]],
      ["config/providers.ts", ["providers/sim/schema.ts", "providers/sim/provider.ts"]],
      ["config/docs.ts", ["providers/sim/schema.ts"]],
      ["providers/sim/schema.ts", ["config/fields.ts", "market/ist.ts", "config/schema.ts"]],
    ]);
    expect(violations(files)).toEqual([
      "src/providers/sim/provider.ts imports src/engine/compute.ts: providers (layer 3) imports engine (layer 4): arrows point down only",
      "src/sinks/panels/sink.ts imports src/summary/tracker.ts: sinks get the snapshot builder injected",
      "src/config/schema.ts imports src/metrics/types.ts: config (layer 2) imports metrics (layer 3): arrows point down only",
      "src/config/commands.ts imports src/cli-args.ts: unit cli-args.ts has no layer",
      "src/config/commands.ts imports src/cli-args.ts: the CLI imports config, never the reverse",
      "src/contracts/cycle.ts imports src/engine/cycle.ts: contracts (layer 1) imports engine (layer 4): arrows point down only",
      "src/contracts/cycle.ts imports src/g6csv/rows.ts: low module contracts may import only chain, analytics, market",
      "src/engine/jobs.ts imports src/providers/sim/model.ts: the engine names no specific provider or sink (use src/contracts)",
      "src/alerts/state.ts imports src/sinks/types.ts: alerts (layer 1) imports sinks (layer 3): arrows point down only",
      "src/state/store.ts imports src/config/schema.ts: state may import only contracts",
      "src/state/store.ts imports src/metrics/types.ts: state (layer 2) imports metrics (layer 3): arrows point down only",
      "src/sinks/status/sink.ts imports src/state/index.ts: a sink is handed each cycle's result and stats in write",
      "src/config/load.ts imports src/state/store.ts: config is the run's settings, not its state",
      "src/config/providers.ts imports src/providers/sim/provider.ts: config (layer 2) imports providers (layer 3): arrows point down only",
      "src/config/docs.ts imports src/providers/sim/schema.ts: config (layer 2) imports providers (layer 3): arrows point down only",
      "src/providers/sim/schema.ts imports src/config/schema.ts: a provider's schema module may import only config/fields.ts from config",
    ]);
  });

  test("import lines are read whole, multi-line lists and re-exports included", () => {
    const text = [
      'import type { A } from "./a.ts";',
      "import {",
      "  b,",
      "  type C,",
      '} from "../b/index.ts";',
      'export * from "./c.ts";',
      'import { readFileSync } from "node:fs";',
      'import "./side.ts";',
      'const s = "import x from \\"./not.ts\\"";',
    ].join("\n");
    expect(importSpecifiers(text)).toEqual(["./a.ts", "../b/index.ts", "./c.ts", "./side.ts"]);
  });
});
