/**
 * Adaptive load control: when cycles use more than `load_control.shed_above` of the interval
 * for `shed_cycles` consecutive cycles, the next step of `load_control.steps` is shed; after
 * `restore_cycles` consecutive cycles under `restore_below`, the last step shed is restored.
 * One step at a time either way, and the count starts again after each step. Shedding changes
 * what the next cycles ask for (the plan) or expose (metrics), never what was recorded: a shed
 * strike or expiry is missing from the plan, so nothing is written for it.
 */
import type { G6Config } from "../config/schema.ts";
import type { LoadStep } from "../config/alerts.ts";
import type { LoadStats } from "../contracts/index.ts";
import type { PlanShed } from "./plan.ts";

export type LoadSettings = Readonly<G6Config["load_control"]>;

export type LoadChange = { direction: "shed" | "restored"; step: LoadStep };

export type LoadControl = {
  /** Steps shed now, in shed order. */
  readonly shed: readonly LoadStep[];
  /** Counters for the engine stats (a new object after each change). */
  readonly stats: Readonly<LoadStats>;
  /** Records one cycle's share of the interval; returns the step shed or restored, if any. */
  observe(budgetUsed: number, settings: LoadSettings): LoadChange | null;
};

export function createLoadControl(): LoadControl {
  let shed: LoadStep[] = [];
  let loaded = 0;
  let light = 0;
  let stats: Readonly<LoadStats> = Object.freeze({ shed: [], sheds: 0, restores: 0 });
  const publish = (d: "shed" | "restored") => {
    stats = Object.freeze({ shed: Object.freeze([...shed]), sheds: stats.sheds + (d === "shed" ? 1 : 0), restores: stats.restores + (d === "restored" ? 1 : 0) });
  };
  return {
    get shed() {
      return shed;
    },
    get stats() {
      return stats;
    },
    observe(budgetUsed, s) {
      // Steps no longer declared (a reload) are restored first, one per cycle.
      const gone = shed.find((step) => !s.steps.includes(step));
      if (gone) {
        shed = shed.filter((x) => x !== gone);
        publish("restored");
        return { direction: "restored", step: gone };
      }
      if (!Number.isFinite(budgetUsed)) return null;
      if (budgetUsed > s.shed_above) {
        light = 0;
        loaded++;
        const next = s.steps.find((step) => !shed.includes(step));
        if (loaded >= s.shed_cycles && next) {
          loaded = 0;
          shed = [...shed, next];
          publish("shed");
          return { direction: "shed", step: next };
        }
        return null;
      }
      loaded = 0;
      if (budgetUsed < s.restore_below) {
        light++;
        if (light >= s.restore_cycles && shed.length) {
          light = 0;
          const step = shed[shed.length - 1]!;
          shed = shed.slice(0, -1);
          publish("restored");
          return { direction: "restored", step };
        }
        return null;
      }
      light = 0;
      return null;
    },
  };
}

/** What the plan leaves out for the steps shed (null: nothing). */
export function planShed(shed: readonly LoadStep[], settings: LoadSettings): PlanShed | null {
  const farExpiries = shed.includes("far_expiries");
  const farStrikes = shed.includes("far_strikes") ? settings.far_strikes : null;
  const chainLegs = shed.includes("chain_legs");
  return farExpiries || farStrikes !== null || chainLegs ? { farExpiries, farStrikes, chainLegs } : null;
}
