/** Canonical JSON of the panel files: sorted keys by UTF-16 code units at every level, no whitespace, undefined left out, non-finite numbers null. */
import { expect, test } from "bun:test";
import { canonicalJson, canonicalSha256 } from "../../src/sinks/panels/canonical.ts";

test("canonical JSON text of nested data with integer-like, non-ASCII and quoted keys", () => {
  const value = { b: [1, undefined, Number.NaN, { z: -0.5, y: null, x: undefined }], "10": true, "2": "s\"\n", é: [], a: { Z: Infinity, _: "ü😀" } };
  const text = '{"10":true,"2":"s\\"\\n","a":{"Z":null,"_":"ü😀"},"b":[1,null,null,{"y":null,"z":-0.5}],"é":[]}';
  expect(canonicalJson(value)).toBe(text);
  expect(canonicalSha256(value)).toBe(new Bun.CryptoHasher("sha256").update(text).digest("hex"));
  expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
});
