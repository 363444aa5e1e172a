/**
 * The provider settings groups under `provider`, one per provider kind, each declared by its
 * provider (`src/providers/<kind>/schema.ts`). The only place config reaches into providers/
 * (test/architecture/rules.ts allows exactly this file to import exactly schema modules).
 * A new provider adds its kind and its group here.
 */
import { KiteSettings } from "../providers/kite/schema.ts";
import { ReplaySettings } from "../providers/replay/schema.ts";
import { SimSettings } from "../providers/sim/schema.ts";

/** The values `provider.kind` accepts. */
export const PROVIDER_KINDS = ["sim", "kite", "replay"] as const;

/** Each provider's settings group, keyed by its kind (`provider.sim`, …). */
export const PROVIDER_SETTINGS = { sim: SimSettings, kite: KiteSettings, replay: ReplaySettings } as const;
