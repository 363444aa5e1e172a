/**
 * The live screen: owns a terminal while the dashboard runs. `start` switches to the alternate
 * screen and hides the cursor; `show` draws a snapshot, at most `maxFps` frames a second (a
 * newer snapshot replaces a pending one); `resize` redraws at the new size; `stop` shows the
 * cursor and leaves the alternate screen, so the terminal is as it was. `stop` is idempotent
 * and safe to call from an exit handler.
 */
import { renderFrame } from "./frame.ts";
import type { SummarySnapshot } from "./model.ts";

const ENTER = "\x1b[?1049h\x1b[?25l\x1b[2J";
const LEAVE = "\x1b[0m\x1b[?25h\x1b[?1049l";

export type ScreenOptions = {
  write: (text: string) => void;
  size: () => { columns: number; rows: number };
  color: boolean;
  /** Frames per second at most (> 0). */
  maxFps: number;
  /** Monotonic milliseconds. */
  elapsed?: () => number;
};

export type LiveScreen = {
  start(): void;
  show(snapshot: SummarySnapshot): void;
  /** Shows one line of text on an otherwise empty screen, until the first snapshot. */
  notice(message: string): void;
  resize(): void;
  stop(): void;
  /** Frames drawn so far. */
  readonly frames: number;
};

/** The escape sequences that draw `lines` from the top-left corner, line by line. */
export function frameText(lines: readonly string[]): string {
  let out = "\x1b[H";
  for (let i = 0; i < lines.length; i++) out += `\x1b[${i + 1};1H${lines[i]}\x1b[0m`;
  return out;
}

export function createLiveScreen(opts: ScreenOptions): LiveScreen {
  const elapsed = opts.elapsed ?? (() => performance.now());
  const minGapMs = 1000 / opts.maxFps;
  let latest: SummarySnapshot | null = null;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let active = false;
  let frames = 0;

  const draw = () => {
    timer = null;
    if (!active || latest === null) return;
    const { columns, rows } = opts.size();
    opts.write(frameText(renderFrame(latest, { columns, rows, color: opts.color })));
    lastDraw = elapsed();
    frames++;
  };
  const schedule = () => {
    if (timer !== null || !active) return;
    const wait = lastDraw + minGapMs - elapsed();
    if (wait <= 0) draw();
    else timer = setTimeout(draw, wait);
  };

  return {
    get frames() {
      return frames;
    },
    start() {
      if (active) return;
      active = true;
      opts.write(ENTER);
    },
    show(snapshot) {
      latest = snapshot;
      schedule();
    },
    notice(message) {
      if (!active || latest !== null) return;
      const { columns } = opts.size();
      opts.write(`\x1b[2J${frameText([message.slice(0, Math.max(1, columns))])}`);
    },
    resize() {
      if (!active) return;
      opts.write("\x1b[2J");
      lastDraw = Number.NEGATIVE_INFINITY;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      schedule();
    },
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (!active) return;
      active = false;
      opts.write(LEAVE);
    },
  };
}
