/**
 * The utilities from Lua and Rune in real sandboxes, the regex limits, the binding table's
 * consistency, and that a catastrophic regex ends in E_TIMEOUT without harming the host.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { BINDINGS } from "../../src/runtime/bindings.ts";
import { STDLIB_BINDINGS } from "../../src/runtime/bindings_stdlib.ts";
import { STDLIB_WORKER_NAMES } from "../../src/runtime/stdlib_bindings.ts";
import { KEYWORDS } from "../../src/rune/token.ts";
import { tempKiln } from "../helpers.ts";
import { testRunner } from "../sandbox/sandbox_helpers.ts";
import { plugin } from "./stdlib_helpers.ts";

const EXPECTED = {
  json: '{"a":[1,2]}',
  decoded: 2,
  yaml: "tags:\n  - a\n",
  parsed: "b",
  found: ["b", "d"],
  named: "2026",
  replaced: "2-1",
  escaped: true,
  parts: 3,
  time: "2026-03-29 12:00 +02:00",
  diff: 23,
  slug: "ysolde-braenn-notes",
  cased: "session_notes",
  distance: 3,
  trunc: "Hello w…",
  joined: "a/c.md",
  stem: "Mira Vale",
  filled: "Hi Mira",
};

Deno.test("utilities from Lua", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const p = await plugin(
    "utils-lua",
    "lua",
    "capabilities: []\n",
    `function main()
       local c = crucible
       local t = c.time.parse("2026-03-28 12:00", { zone = "Europe/Paris" })
       local later = c.time.add(t, { days = 1 }, { zone = "Europe/Paris" })
       return {
         json = c.json.encode({ a = { 1, 2 } }),
         decoded = c.json.decode('{"a":[1,2]}').a[2],
         yaml = c.yaml.stringify({ tags = { "a" } }),
         parsed = c.yaml.parse("a: b").a,
         found = (function() local out = {} for _, m in ipairs(c.regex.find_all("#(\\\\w+)", "a #b c #d")) do out[#out + 1] = m.groups[1] end return out end)(),
         named = c.regex.find("(?<year>\\\\d{4})-\\\\d\\\\d", "on 2026-11").named.year,
         replaced = c.regex.replace("(\\\\d+)-(\\\\d+)", "1-2", "$2-$1"),
         escaped = c.regex.is_match(c.regex.escape("a.b"), "xa.by"),
         parts = #c.regex.split(",\\\\s*", "a, b,c"),
         time = c.time.format(later, "YYYY-MM-DD HH:mm Z", { zone = "Europe/Paris" }),
         diff = c.time.diff(t, later, "hours"),
         slug = c.text.slugify("Ysolde Brænn — Notes!"),
         cased = c.text.case("sessionNotes", "snake"),
         distance = c.text.levenshtein("kitten", "sitting"),
         trunc = c.text.truncate("Hello world", 8),
         joined = c.path.join({ "a", "b", "../c.md" }),
         stem = c.path.stem("campaign/npcs/Mira Vale.md"),
         filled = c.text.template("Hi {{who.name}}", { who = { name = "Mira" } }),
       }
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    ok(r.ok, JSON.stringify(r.error));
    deepStrictEqual(r.value, EXPECTED);
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("utilities from Rune", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const p = await plugin(
    "utils-rune",
    "rune",
    "capabilities: []\n",
    `
use crucible::{json, yaml, regex, time, text, path};
pub fn main() {
    let t = time::parse("2026-03-28 12:00", #{ zone: "Europe/Paris" });
    let later = time::add(t, #{ days: 1 }, #{ zone: "Europe/Paris" });
    let found = regex::find_all("#(\\\\w+)", "a #b c #d", ()).iter().map(|m| m.groups[0]).collect::<Vec>();
    #{
        json: json::encode(#{ a: [1, 2] }, ()),
        decoded: json::decode("{\\"a\\":[1,2]}").a[1],
        yaml: yaml::stringify(#{ tags: ["a"] }),
        parsed: yaml::parse("a: b").a,
        found,
        named: regex::find("(?<year>\\\\d{4})-\\\\d\\\\d", "on 2026-11", ()).named.year,
        replaced: regex::replace("(\\\\d+)-(\\\\d+)", "1-2", "$2-$1", ()),
        escaped: regex::is_match(regex::escape("a.b"), "xa.by", ()),
        parts: regex::split(",\\\\s*", "a, b,c", ()).len(),
        time: time::format(later, "YYYY-MM-DD HH:mm Z", #{ zone: "Europe/Paris" }),
        diff: time::diff(t, later, "hours"),
        slug: text::slugify("Ysolde Brænn — Notes!", ()),
        cased: text::case("sessionNotes", "snake"),
        distance: text::levenshtein("kitten", "sitting"),
        trunc: text::truncate("Hello world", 8, ()),
        joined: path::join(["a", "b", "../c.md"]),
        stem: path::stem("campaign/npcs/Mira Vale.md"),
        filled: text::template("Hi {{who.name}}", #{ who: #{ name: "Mira" } }),
    }
}
`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    ok(r.ok, JSON.stringify(r.error));
    deepStrictEqual(r.value, EXPECTED);
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("a catastrophic regex ends in E_TIMEOUT and the host carries on", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const p = await plugin(
    "redos",
    "lua",
    "capabilities: []\n",
    `function main(p)
       if p.size then return pcall(crucible.regex.is_match, "a", string.rep("a", p.size)) end
       return crucible.regex.is_match("^(a+)+$", string.rep("a", 40) .. "!")
     end
     function small() return crucible.regex.is_match("^(a+)+$", "aaaa!") end`,
  );
  try {
    const r = await runner.invoke({ plugin: p, timeoutMs: 500, validateParams: false });
    strictEqual(r.error?.code, "E_TIMEOUT");
    const again = await runner.invoke({ plugin: p, fn: "small" });
    strictEqual(again.value, false, "the next invocation runs normally");
    const big = await runner.invoke({
      plugin: p,
      params: { size: 1_000_001 },
      validateParams: false,
    });
    strictEqual(big.ok, true);
    strictEqual(big.value, false, "pcall caught the size limit");
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("the binding table: every stdlib worker binding is implemented, names are Rune-safe", () => {
  for (const b of STDLIB_BINDINGS) {
    if (b.runs === "worker") ok(STDLIB_WORKER_NAMES.has(b.name), `${b.name} has no implementation`);
    for (const part of b.name.split(".")) {
      ok(!KEYWORDS.has(part), `${b.name}: ${part} is a Rune keyword`);
    }
  }
  for (const name of STDLIB_WORKER_NAMES) {
    ok(STDLIB_BINDINGS.some((b) => b.name === name), `${name} is implemented but not in the table`);
  }
  const names = BINDINGS.map((b) => b.name);
  strictEqual(new Set(names).size, names.length, "binding names are unique");
  deepStrictEqual(
    BINDINGS.filter((b) => b.callbacks).map((b) => b.name),
    ["fsm.create", "workflow.run"],
  );
});

Deno.test("functions cross only into bindings that take callbacks; forged references find nothing", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const p = await plugin(
    "refs",
    "lua",
    "capabilities: []\n",
    `function main()
       local ok, err = pcall(crucible.json.encode, { f = function() end })
       local r = crucible.workflow.run({ tasks = {
         forged = { run = { ["$fn"] = 99 } },
         global = { run = "io_open" },
       } }, { progress = false })
       return { refused = err.code, forged = r.tasks.forged.error.code, global = r.tasks.global.error.code }
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    ok(r.ok, JSON.stringify(r.error));
    deepStrictEqual(r.value, {
      refused: "E_INVALID_VALUE",
      forged: "E_NOT_FOUND",
      global: "E_NOT_FOUND",
    });
  } finally {
    runner.close();
    p.cleanup();
  }
});
