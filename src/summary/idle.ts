/**
 * The dashboard's line while a live provider's market is closed:
 * "market closed · next open Fri 27 Nov 09:15 IST · in 1h 23m". Pure; the display redraws it
 * every second while idle, so the countdown moves although no cycle runs.
 */
import type { MarketStatus } from "../contracts/index.ts";
import { formatIstShort } from "../market/ist.ts";

/** A wait, coarse and short: "2d 17h", "1h 23m", "4m 05s", "12s". */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** The idle line at wall time `now` (epoch ms); null while the market is open. */
export function idleLine(status: MarketStatus | null, now: number): string | null {
  if (!status || status.state !== "closed" || status.nextOpen === null) return null;
  return `market closed · next open ${formatIstShort(status.nextOpen)} · in ${countdown(status.nextOpen - now)}`;
}
