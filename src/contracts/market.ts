/**
 * The market state the engine reports while it follows the wall-clock session (a live
 * provider): open, or closed with the next open. The engine announces each change to its
 * observers and to sinks that record it (the status file); nothing is reported per tick.
 */
import { formatIsoIst, formatIstShort } from "../market/ist.ts";

/** Why the session is closed at an instant. */
export type ClosedReason = "weekend" | "holiday" | "before the open" | "after the close";

export type MarketStatus = {
  state: "open" | "closed";
  /** When this state was entered (wall clock, epoch ms). */
  since: number;
  /** The next session open, epoch ms (null while open). */
  nextOpen: number | null;
  /** Why closed (null while open). */
  reason: ClosedReason | null;
  /** Open only because `market.force_open` is set (the session itself is closed). */
  forced: boolean;
};

/** "market closed (weekend), next open at Fri 27 Nov 09:15 IST"; null while open or unknown. */
export function marketClosedText(m: MarketStatus | null): string | null {
  return m && m.state === "closed" ? `market closed (${m.reason}), next open at ${formatIstShort(m.nextOpen!)}` : null;
}

/** The market state as the status file and /status carry it (their `session` field) (snake_case, ISO IST instants); null when not followed. */
export function sessionDocument(m: MarketStatus | null) {
  if (!m) return null;
  return { state: m.state, since: formatIsoIst(m.since), next_open: m.nextOpen === null ? null : formatIsoIst(m.nextOpen), reason: m.reason, forced: m.forced };
}
