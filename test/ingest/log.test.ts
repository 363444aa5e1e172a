/** g6 ingest runs one engine per recorded day: a standing warning is printed once per run, not once per day. */
import { expect, test } from "bun:test";
import { createConsola } from "consola";
import { oncePerRun } from "../../src/ingest.ts";

test("a warning repeated by later days is printed once; other lines and other warnings pass through", () => {
  const lines: string[] = [];
  const parent = createConsola({ level: 3, reporters: [{ log: (o) => lines.push(`${o.type} ${o.tag} ${o.args.join(" ")}`) }] });
  const log = oncePerRun(parent);
  for (let day = 1; day <= 3; day++) {
    log.withTag("calendar").warn("NSE holidays for 2027 are provisional");
    log.withTag("engine").info(`day ${day}`);
  }
  log.withTag("calendar").warn("BSE holidays for 2027 are provisional");
  log.withTag("engine").warn("NSE holidays for 2027 are provisional");
  expect(lines).toEqual([
    "warn calendar NSE holidays for 2027 are provisional",
    "info engine day 1",
    "info engine day 2",
    "info engine day 3",
    "warn calendar BSE holidays for 2027 are provisional",
    "warn engine NSE holidays for 2027 are provisional",
  ]);
});
