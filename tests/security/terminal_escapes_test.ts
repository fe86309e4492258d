/**
 * Terminal escape sequences from plugins and kilns never reach the terminal raw. A plugin whose
 * description, author, capability target, log lines, error and test case names carry
 * `ESC[2K CR ok` (erase the line, go back, print a fake "ok") or bidi overrides is listed, shown,
 * run, tested and audited; every byte cru prints shows those characters as escapes instead.
 */
import { match, ok, strictEqual } from "node:assert/strict";
import { terminalJson, terminalText } from "../../src/security/terminal_text.ts";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

/** What a terminal would act on: C0 but tab and line feed, DEL, C1, bidi overrides/isolates. */
// deno-lint-ignore no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The plugin: every field a printer shows carries an attack (YAML `\e` is ESC). */
const EVIL = `---
name: evil
version: "1.0.0"
description: "Counts words\\e[2K\\r ok \\u202Eevil"
author: "Mallory\\e[1A\\e[2K\\r ok\\u2066\\nok: forged line"
capabilities: [KilnRead]
parameters:
  mode:
    type: string
    description: "which attack\\e[2K\\r ok"
---
# Evil

\\e is not special here, but this is: ${"\u001b"}[2K${"\r"} ok in the docs.

\`\`\`lua
function main(p)
  print("log line\\27[2K\\r ok \\u{202E}")
  crucible.progress("progress\\27[2K\\r ok")
  -- No KilnWrite: a DENIED security event whose target is an attack.
  pcall(crucible.write_note, "Home\\27[2K\\r ok.md", "x")
  error("boom\\27[2K\\r ok \\u{202E}\\u{2066}\\nok: forged line")
end
\`\`\`
`;

/** A plugin whose capability target is the attack (it is invalid or runs nothing). */
const BADCAP = `---
name: badcap
description: "network\\e]0;title\\a"
capabilities:
  - NetworkHttps: ["api.example.org\\e[2K\\r ok"]
---
function main() return 1 end
`;

const CASES = `cases:
  - name: "case\\e[2K\\r ok \\u202E"
    params: {mode: x}
    output: 1
`;

function world() {
  return hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/evil.md": EVIL,
    ".crucible/plugins/evil.test.yaml": CASES,
    ".crucible/plugins/badcap.lua": BADCAP,
  });
}

/** Assert a command's output holds no raw control character, and shows the attack as text. */
function assertInert(what: string, res: { stdout: string; stderr: string }, shown?: RegExp) {
  for (const [stream, text] of [["stdout", res.stdout], ["stderr", res.stderr]]) {
    const raw = RAW.exec(text);
    ok(
      raw === null,
      `${what}: raw U+${raw?.[0].charCodeAt(0).toString(16)} on ${stream}:\n${
        JSON.stringify(text)
      }`,
    );
  }
  if (shown) match(res.stdout + res.stderr, shown, `${what}: the escape is not shown as text`);
}

Deno.test("plugins list and show print hostile metadata inert", async () => {
  using w = world();
  const before = await w.checksums();
  assertInert("list", await w.cru(["plugins", "list"]), /Counts words\\x1b\[2K\\r ok/);
  assertInert("list --json", await w.cru(["plugins", "list", "--json"]));
  const show = await w.cru(["plugins", "show", "evil"]);
  strictEqual(show.code, 0, show.stderr);
  assertInert("show", show, /Mallory\\x1b\[1A\\x1b\[2K\\r ok\\u\{2066\}/);
  match(show.stdout, /which attack\\x1b\[2K\\r ok/);
  ok(!/^ok: forged/m.test(show.stdout), "a line break in the author forged a line");
  match(show.stdout, /\\x1b\[2K\\r ok in the docs/);
  assertInert("show --json", await w.cru(["plugins", "show", "evil", "--json"]), /\\u202e/);
  assertInert("show badcap", await w.cru(["plugins", "show", "badcap"]));
  assertInert("validate", await w.cru(["plugins", "validate"]));
  assertUnchanged(before, await w.checksums());
});

Deno.test("plugins run shows logs, progress, security events and errors inert", async () => {
  using w = world();
  const skip = ["kiln:.crucible/audit"];
  const before = await w.checksums({ skip });
  const res = await w.cru(["plugins", "run", "evil", "--params", '{"mode": "x"}']);
  assertUnchanged(before, await w.checksums({ skip }));
  strictEqual(res.code, 1);
  assertInert("run", res, /boom\\x1b\[2K\\r ok \\u\{202e\}/);
  match(res.stderr, /log: log line\\x1b\[2K\\r ok/);
  ok(!/^ok: forged/m.test(res.stderr), "a line break in the error forged a line");
  match(res.stderr, /progress: \[evil\] progress\\x1b\[2K\\r ok/);
  match(res.stderr, /security: .*Home\\(?:x1b|u001b)\[2K\\r ok\.md/);
  const json = await w.cru(["plugins", "run", "evil", "--params", '{"mode": "x"}', "--json"]);
  assertInert("run --json", json);
  ok(JSON.parse(json.stdout).error.message.includes("boom\u001b[2K\r ok \u202e"));
});

Deno.test("cru audit shows what a hostile plugin left in the log inert", async () => {
  using w = world();
  await w.cru(["plugins", "run", "evil", "--params", '{"mode": "x"}']);
  // A hostile kiln may also write the audit log itself.
  w.kiln.write(
    ".crucible/audit/audit.jsonl",
    JSON.stringify({
      ts: "2026-12-01T00:00:00.000Z",
      kind: "security",
      invocation: "i\u001b[2K\r ok",
      plugin: "planted\u009b2K",
      message: "planted\u001b[1A\u001b[2K\r ok \u202e",
    }) + "\n",
  );
  const human = await w.cru(["audit"]);
  strictEqual(human.code, 0, human.stderr);
  assertInert("audit", human, /DENIED/);
  match(human.stdout, /Home\\x1b\[2K\\r ok\.md/);
  assertInert("audit --json", await w.cru(["audit", "--json"]));
});

Deno.test("plugins test shows hostile case names and failures inert", async () => {
  using w = world();
  const res = await w.cru(["plugins", "test", "evil"]);
  strictEqual(res.code, 1);
  assertInert("test", res, /case\\x1b\[2K\\r ok \\u\{202e\}/);
  assertInert("test --json", await w.cru(["plugins", "test", "evil", "--json"]));
  assertInert("test junit", await w.cru(["plugins", "test", "evil", "--reporter", "junit"]));
});

Deno.test("terminalText shows every control as an escape; terminalJson keeps the JSON value", () => {
  const attack = "a\u0000\u0007\u001b[2K\r\n\u007f\u0085\u009b2K\u200f\u2028\u202e\u2066\ufeffz\t";
  const shown = terminalText(attack);
  strictEqual(RAW.exec(shown), null);
  ok(!shown.includes("\n"), "a line break left raw in a one-line text");
  strictEqual(
    shown,
    "a\\x00\\x07\\x1b[2K\\r\\n\\x7f\\x85\\x9b2K\\u{200f}\\u{2028}\\u{202e}\\u{2066}\\u{feff}z\t",
  );
  strictEqual(terminalText("one\ntwo", { indent: "  " }), "one\n  two");
  const json = terminalJson(JSON.stringify({ v: attack }, null, 2));
  strictEqual(RAW.exec(json), null);
  strictEqual(JSON.parse(json).v, attack);
});
