/** Paths of both layouts and the overview: formatted and parsed back to the same parts. */
import { describe, expect, test } from "bun:test";
import { expiryPath, optionPath, overviewPath, parseG6Path } from "../../src/g6csv/index.ts";

describe("G6 CSV paths", () => {
  test("g6 layout: offsets +50, 0 and -1000 round trip", () => {
    for (const offset of [50, 0, -1000]) {
      const path = optionPath("/srv/g6/data/g6_data", "BANKNIFTY", "next_week", offset, "2026-11-19");
      expect(parseG6Path(path)).toEqual({ kind: "option", layout: "g6", base: "/srv/g6/data/g6_data", index: "BANKNIFTY", tag: "next_week", offset, date: "2026-11-19" });
    }
    expect(optionPath("d", "NIFTY", "this_week", 50, "2026-11-19")).toBe("d/NIFTY/this_week/+50/2026-11-19.csv");
    expect(optionPath("d", "NIFTY", "this_week", -50, "2026-11-19")).toBe("d/NIFTY/this_week/-50/2026-11-19.csv");
  });

  test("expiry_v1 layout and overview round trip", () => {
    const e = expiryPath("g6_data", "SENSEX", "this_month", "2026-11-27");
    expect(e).toBe("g6_data/expiry_v1/SENSEX/this_month/2026-11-27.csv");
    expect(parseG6Path(e)).toEqual({ kind: "option", layout: "expiry_v1", base: "g6_data", index: "SENSEX", tag: "this_month", date: "2026-11-27" });
    const o = overviewPath("g6_data", "FINNIFTY", "2026-11-20");
    expect(o).toBe("g6_data/overview/FINNIFTY/2026-11-20.csv");
    expect(parseG6Path(o)).toEqual({ kind: "overview", base: "g6_data", index: "FINNIFTY", date: "2026-11-20" });
  });

  test("a relative path without base, and Windows separators", () => {
    expect(parseG6Path("NIFTY/this_week/0/2026-11-19.csv")).toEqual({ kind: "option", layout: "g6", base: "", index: "NIFTY", tag: "this_week", offset: 0, date: "2026-11-19" });
    expect(parseG6Path("C:\\g6\\data\\NIFTY\\this_week\\-50\\2024-02-29.csv")).toEqual({ kind: "option", layout: "g6", base: "C:/g6/data", index: "NIFTY", tag: "this_week", offset: -50, date: "2024-02-29" });
  });

  test("what is not a G6 path is null", () => {
    for (const p of [
      "NIFTY/this_week/50/2026-11-19.csv", // offsets are signed except 0
      "NIFTY/this_week/+050/2026-11-19.csv",
      "NIFTY/this_week/+50/2026-02-30.csv", // no such date
      "NIFTY/this_week/+50/2026-11-19.txt",
      "this_week/+50/2026-11-19.csv",
      "NIFTY/this_week/+50/2026-11-19.foreign-20261119T091500.csv",
      "overview/2026-11-19.csv",
    ]) {
      expect(parseG6Path(p)).toBeNull();
    }
  });
});
