/**
 * `cru plugins run` and `cru lua run` as subprocesses: real registry, real sandbox, real audit log.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { runCru, runCruJson, tempDemoKiln, tempKiln } from "../helpers.ts";

const WRITER = `---
name: stamp
description: Write a stamp note
capabilities: [KilnRead, KilnWrite]
parameters:
  text: {type: string, required: true}
---
function main(p)
  return crucible.write_note("stamp.md", "# Stamp\\n" .. p.text)
end
`;

type Reply = {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string; line?: number };
};

Deno.test("plugins run --json runs a built-in Lua plugin on the demo kiln", async () => {
  using kiln = tempDemoKiln();
  const r = await runCruJson<Reply>([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "word-count",
    "--params",
    '{"path": "campaign/npcs/Mira Vale.md"}',
  ]);
  strictEqual(r.code, 0, r.stderr);
  strictEqual(r.json.ok, true);
  const v = r.json.value as { path: string; words: number; links: number };
  strictEqual(v.path, "campaign/npcs/Mira Vale.md");
  ok(v.words > 100 && v.links > 3);
});

Deno.test("plugins run: bad --params is a usage error; bad parameters are E_INVALID_PARAMS", async () => {
  using kiln = tempDemoKiln();
  const usage = await runCru([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "word-count",
    "--params",
    "{nope",
  ]);
  strictEqual(usage.code, 2);
  match(usage.stderr, /--params is not valid JSON/);
  const invalid = await runCruJson<Reply>([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "word-count",
    "--params",
    "{}",
  ]);
  strictEqual(invalid.code, 1);
  strictEqual(invalid.json.error?.code, "E_INVALID_PARAMS");
});

Deno.test("a risky capability is denied without a terminal, and the message names the fix", async () => {
  using kiln = tempKiln({ ".crucible/plugins/stamp.lua": WRITER });
  const r = await runCruJson<Reply>([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "stamp",
    "--params",
    '{"text": "hi"}',
  ]);
  strictEqual(r.code, 1);
  strictEqual(r.json.error?.code, "E_APPROVAL_DENIED");
  match(r.json.error!.message, /--approve stamp:KilnWrite/);
  let exists = true;
  try {
    Deno.statSync(path.join(kiln.root, "stamp.md"));
  } catch {
    exists = false;
  }
  strictEqual(exists, false);
});

Deno.test("--approve and --yes grant it; the write lands and the audit log shows it", async () => {
  using kiln = tempKiln({ ".crucible/plugins/stamp.lua": WRITER });
  const approved = await runCruJson<Reply>([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "stamp",
    "--params",
    '{"text": "first"}',
    "--approve",
    "stamp:KilnWrite",
  ]);
  strictEqual(approved.code, 0, approved.stderr);
  deepStrictEqual(approved.json.value, {
    path: "stamp.md",
    created: true,
    word_count: 2,
    bytes: 13,
  });
  const yes = await runCruJson<Reply>([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "stamp",
    "--params",
    '{"text": "second"}',
    "--yes",
  ]);
  strictEqual(yes.code, 0);
  strictEqual(Deno.readTextFileSync(path.join(kiln.root, "stamp.md")), "# Stamp\nsecond");
  const audit = await runCruJson<{ kind: string; decision?: string; binding?: string }[]>([
    "--kiln",
    kiln.root,
    "audit",
    "--plugin",
    "stamp",
  ]);
  const kinds = audit.json.map((e) => e.kind);
  ok(kinds.filter((k) => k === "invocation.start").length === 2);
  ok(audit.json.some((e) => e.kind === "approval" && e.decision === "flag"));
  ok(audit.json.some((e) => e.kind === "approval" && e.decision === "yes"));
  ok(audit.json.some((e) => e.kind === "capability" && e.binding === "write_note"));
});

Deno.test("an error in a plugin exits 1 with the file and line on stderr", async () => {
  using kiln = tempKiln({
    ".crucible/plugins/oops.lua":
      "---\nname: oops\ndescription: d\n---\nfunction main()\n  return nil .. 'x'\nend\n",
  });
  const r = await runCru(["--kiln", kiln.root, "plugins", "run", "oops"]);
  strictEqual(r.code, 1);
  match(r.stderr, /error: E_RUNTIME: attempt to concatenate a nil value \(oops\.lua:6\)/);
});

Deno.test("the built-in Rune dice roller runs in the sandbox and its own tests pass", async () => {
  using kiln = tempDemoKiln();
  type Roll = { expression: string; result: number; rolls: { rolled: number[]; kept: number[] }[] };
  const r = await runCruJson<{ ok: boolean; value: Roll }>([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "dice-roller",
    "--params",
    '{"expression": "4d6kh3+2"}',
  ]);
  strictEqual(r.code, 0, r.stderr);
  const v = r.json.value;
  strictEqual(v.rolls[0].rolled.length, 4);
  strictEqual(v.rolls[0].kept.length, 3);
  ok(v.rolls[0].rolled.every((d) => d >= 1 && d <= 6));
  strictEqual(v.result, v.rolls[0].kept.reduce((a, b) => a + b, 0) + 2);
  const bad = await runCruJson<Reply>([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "dice-roller",
    "--params",
    '{"expression": "2dx"}',
  ]);
  strictEqual(bad.code, 1);
  strictEqual(bad.json.error?.code, "E_RUNTIME");
  ok(/not a number in the sides/.test(bad.json.error!.message));
  const tests = await runCruJson<{ passed: number; failed: number }>([
    "rune",
    "test",
    "plugins/dice-roller.rune",
  ]);
  deepStrictEqual([tests.code, tests.json.passed, tests.json.failed], [0, 6, 0]);
});

Deno.test("lua run runs plain Lua with the default grant and passes parameters", async () => {
  using kiln = tempKiln({
    "a.md": "# Alpha\n",
    "script.lua":
      'function main(p)\n  print("hi")\n  return { title = crucible.read_note("a").title, n = p.n }\nend\n',
  });
  const r = await runCru([
    "--kiln",
    kiln.root,
    "lua",
    "run",
    path.join(kiln.root, "script.lua"),
    "--params",
    '{"n": 2}',
  ]);
  strictEqual(r.code, 0, r.stderr);
  deepStrictEqual(JSON.parse(r.stdout), { title: "Alpha", n: 2 });
  match(r.stderr, /log: hi/);
});

Deno.test("lua run never grants more than KilnRead, even when the file declares it", async () => {
  using kiln = tempKiln({ "a.md": "# A\n", "w.lua": WRITER.replace("stamp", "w") });
  const r = await runCruJson<Reply>([
    "--kiln",
    kiln.root,
    "lua",
    "run",
    path.join(kiln.root, "w.lua"),
    "--params",
    '{"text": "x"}',
  ]);
  strictEqual(r.code, 1);
  strictEqual(r.json.error?.code, "E_CAPABILITY");
});

Deno.test("lua run reports errors at the file's own line", async () => {
  using kiln = tempKiln({ "e.lua": "function main()\n  local t = nil\n  return t.x\nend\n" });
  const r = await runCruJson<Reply>([
    "--kiln",
    kiln.root,
    "lua",
    "run",
    path.join(kiln.root, "e.lua"),
  ]);
  strictEqual(r.code, 1);
  strictEqual(r.json.error?.line, 3);
});
