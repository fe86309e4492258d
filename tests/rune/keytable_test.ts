/**
 * The HashMap/HashSet table behaves like JavaScript's `Map` on int and string keys: the same
 * answers to get/has/delete, the same size and the same insertion order, through growth, holes
 * and clears.
 */
import { deepStrictEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { KeyTable } from "../../src/rune/runtime/keytable.ts";

type Op =
  | { op: "set"; k: string | number; v: number }
  | { op: "delete"; k: string | number }
  | { op: "get"; k: string | number }
  | { op: "clear" };

const key = fc.oneof(
  fc.integer({ min: -40, max: 40 }),
  fc.constantFrom(2 ** 32, -(2 ** 32), 2 ** 52 + 1, Number.MAX_SAFE_INTEGER, -0),
  fc.string({ maxLength: 4 }),
  fc.constantFrom("", "\uDFFFi1", "__proto__", "constructor", "1", "01"),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("set" as const), k: key, v: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("delete" as const), k: key }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("get" as const), k: key }) },
  { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
);

Deno.test("the key table agrees with Map on random operations", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const t = new KeyTable();
      const m = new Map<string | number, number>();
      for (const o of ops) {
        switch (o.op) {
          case "set":
            t.set(o.k, o.v);
            m.set(o.k, o.v);
            break;
          case "delete":
            equal(t.delete(o.k), m.delete(o.k));
            break;
          case "get":
            equal(t.get(o.k), m.get(o.k));
            equal(t.has(o.k), m.has(o.k));
            break;
          case "clear":
            t.clear();
            m.clear();
        }
        equal(t.size, m.size);
      }
      deepStrictEqual([...t], [...m]);
      deepStrictEqual([...t.keys()], [...m.keys()]);
      deepStrictEqual([...t.values()], [...m.values()]);
    }),
    { numRuns: 300 },
  );
});

Deno.test("the key table grows past many entries and squeezes out holes", () => {
  const t = new KeyTable();
  for (let i = 0; i < 50_000; i++) t.set(i * 7919, i);
  for (let i = 0; i < 50_000; i += 2) t.delete(i * 7919);
  for (let i = 0; i < 20_000; i++) t.set(`k${i}`, i);
  equal(t.size, 45_000);
  equal(t.get(7919), 1);
  equal(t.get(0), undefined);
  equal(t.get("k19999"), 19_999);
  const keys = [...t.keys()];
  equal(keys[0], 7919);
  equal(keys[keys.length - 1], "k19999");
});

Deno.test("an iterator started before the table grows goes on over the entries it saw", () => {
  const t = new KeyTable();
  for (let i = 0; i < 10; i++) t.set(i, i);
  t.delete(3);
  const it = t.keys();
  deepStrictEqual([it.next().value, it.next().value], [0, 1]);
  // Growing squeezes the hole out into new arrays.
  for (let i = 10; i < 100; i++) t.set(i, i);
  const rest = [...it];
  // The entries it had not reached yet, then the ones added before the squeeze; none twice.
  deepStrictEqual(rest.slice(0, 7), [2, 4, 5, 6, 7, 8, 9]);
  equal(new Set(rest).size, rest.length);
  equal(rest.every((k) => t.has(k)), true);
  equal(t.size, 99);
});
