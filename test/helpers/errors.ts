/** The ProviderError that `fn` throws; fails the test when it throws something else or nothing. */
import { expect } from "bun:test";
import { ProviderError } from "../../src/contracts/errors.ts";

export function providerErrorOf(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error("expected a ProviderError, nothing was thrown");
}
