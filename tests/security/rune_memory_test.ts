/**
 * Attacks on the Rune memory limit and on the size of a plugin's result: text that V8 keeps as a
 * rope (so the heap measurement barely sees it) built past the limit, and a result that is small
 * in the sandbox but huge as JSON. Each is refused with a clear code, the audit log's end event
 * says so, and nothing on disk changes.
 */
import { match, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, type HostileWorld, hostileWorld } from "./hostile.ts";

const SKIP = [
  "kiln:.crucible/audit",
  "kiln:.crucible/index.db",
  "kiln:.crucible/index.db-wal",
  "kiln:.crucible/index.db-shm",
];

function evil(body: string): string {
  return "---\nname: evil\ndescription: hostile\nversion: 1.0.0\ncapabilities: [KilnRead]\n---\n" +
    `pub fn main(params) {\n${body}\n}\n`;
}

interface Outcome {
  ok: boolean;
  error?: { code: string; message: string };
}

/** Run `evil` and return its outcome and the audit log's end event for it. */
async function runEvil(
  world: HostileWorld,
): Promise<{ outcome: Outcome; end: Record<string, unknown> }> {
  const r = await world.cru(["plugins", "run", "evil", "--json", "--timeout", "60000"]);
  strictEqual(r.code, 1, `expected a refusal, got:\n${r.stdout}\n${r.stderr}`);
  match(r.stderr, /^error: E_/m);
  strictEqual(r.stderr.includes("This is a bug"), false, r.stderr);
  const outcome = JSON.parse(r.stdout) as Outcome;
  const dir = path.join(world.kiln.root, ".crucible", "audit");
  const lines = [...Deno.readDirSync(dir)]
    .filter((e) => e.name.endsWith(".jsonl"))
    .flatMap((e) => Deno.readTextFileSync(path.join(dir, e.name)).trim().split("\n"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const end = lines.findLast((l) => l.kind === "invocation.end" && l.plugin === "evil")!;
  return { outcome, end };
}

async function attack(
  body: string,
  code: string,
  message: RegExp,
): Promise<void> {
  using world = hostileWorld({ "Home.md": "# Home\n" });
  world.kiln.write(".crucible/plugins/evil.rune", evil(body));
  const before = await world.checksums({ skip: SKIP });
  const { outcome, end } = await runEvil(world);
  strictEqual(outcome.ok, false);
  strictEqual(outcome.error?.code, code, JSON.stringify(outcome.error));
  match(outcome.error!.message, message);
  strictEqual(end.status, "error");
  strictEqual((end.error as { code: string }).code, code);
  assertUnchanged(before, await world.checksums({ skip: SKIP }));
}

Deno.test("a 300-million-character Rune string is refused with E_MEMORY", async () => {
  await attack(
    `    let s = "x".repeat(300000000);\n    s.len()`,
    "E_MEMORY",
    /built a string of 300000000 characters, more than its memory limit of 100 MB/,
  );
});

Deno.test("a Rune string doubled past the limit is refused with E_MEMORY", async () => {
  await attack(
    `    let s = "x".repeat(1000);\n    let i = 0;\n    while i < 22 { s = s + s; i += 1; }\n    s.len()`,
    "E_MEMORY",
    /memory limit of 100 MB/,
  );
});

Deno.test("many distinct large Rune strings, each under the limit, are refused together", async () => {
  await attack(
    `    let kept = [];
    let letters = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for l in letters { kept.push(l.repeat(40000000)); }
    kept.len()`,
    "E_MEMORY",
    /memory limit of 100 MB/,
  );
});

Deno.test("six references to one large Rune string are refused as E_PAYLOAD_TOO_LARGE", async () => {
  await attack(
    `    let s = "x".repeat(40000000);\n    [s, s, s, s, s, s]`,
    "E_PAYLOAD_TOO_LARGE",
    /the result is over 67108864 characters as JSON/,
  );
});

Deno.test("a Rune result nesting one string in many objects is refused as E_PAYLOAD_TOO_LARGE", async () => {
  await attack(
    `    let s = "y".repeat(1000000);
    let out = #{};
    let i = 0;
    while i < 100 { out[\`k\${i}\`] = s; i += 1; }
    out`,
    "E_PAYLOAD_TOO_LARGE",
    /the result is over 67108864 characters as JSON/,
  );
});
