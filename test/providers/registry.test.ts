/**
 * The provider registry: `provider.kind` picks a factory; a kind with no factory is a config
 * error that names the known kinds; every kind the schema accepts has a factory.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { PROVIDER_FACTORIES } from "../../src/app.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { PROVIDER_KINDS } from "../../src/config/providers.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { createProviderRegistry, type ProviderFactory } from "../../src/providers/registry.ts";
import { simProviderFactory } from "../../src/providers/sim/factory.ts";

const fake = (kind: string): ProviderFactory => ({
  kind,
  create: () => {
    throw new Error("not built in this test");
  },
});

describe("provider registry", () => {
  test("a registered kind gives its factory", () => {
    const registry = createProviderRegistry([simProviderFactory, fake("kite")]);
    expect(registry.get("sim")).toBe(simProviderFactory);
    expect(registry.get("kite").kind).toBe("kite");
    expect(registry.kinds).toEqual(["sim", "kite"]);
  });

  test("an unknown kind is a config error naming the kind and every known kind", () => {
    const registry = createProviderRegistry([simProviderFactory, fake("kite")]);
    let thrown: unknown;
    try {
      registry.get("influx");
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual(['provider.kind: no provider of kind "influx" (known: sim, kite)']);
  });

  test("two factories of one kind are refused", () => {
    expect(() => createProviderRegistry([fake("sim"), fake("sim")])).toThrow("provider kind sim registered twice");
  });

  test("the kinds the schema accepts are exactly the kinds the app can build", () => {
    expect(createProviderRegistry(PROVIDER_FACTORIES).kinds).toEqual([...PROVIDER_KINDS]);
    expect(v.safeParse(ConfigSchema, { provider: { kind: "kite" } }).success).toBe(true);
    expect(v.safeParse(ConfigSchema, { provider: { kind: "nosuchkind" } }).success).toBe(false);
    expect(v.parse(ConfigSchema, {}).provider.kind).toBe("sim");
  });
});
