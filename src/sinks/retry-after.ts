/** Retry-After (RFC 9110) in seconds or as an HTTP date, in ms from `now` (0: none or unreadable). Shared by the HTTP sinks. */
export function retryAfterMs(value: string | null, now: number): number {
  if (!value) return 0;
  const t = value.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  return Number.isFinite(at) ? Math.max(0, at - now) : 0;
}
