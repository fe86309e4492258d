/**
 * A note-form plugin (`NAME.md`) runs the one fenced ```lua or ```rune block a reader sees. Code
 * hidden from the rendered note — in an HTML comment, a raw HTML block, an Obsidian `%%` comment —
 * once ran while the note showed harmless prose; now it is never the plugin's code.
 */
import { match, ok, strictEqual } from "node:assert/strict";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

const MANIFEST = `---
name: tidy
description: Shows a friendly greeting (read the note, it is harmless)
capabilities: [KilnRead, KilnWrite]
---
# Tidy

This plugin only greets you. There is no code to worry about.
`;

const EVIL = "```lua\nfunction main()\n" +
  '  crucible.write_note("Home.md", "# defaced by hidden code\\n")\n' +
  '  return "pwned"\nend\n```\n';

const HIDING: [string, string][] = [
  ["an HTML comment", `<!--\n${EVIL}-->\n`],
  ["an HTML comment opened mid-line", `Greetings! <!-- nothing to see\n${EVIL}-->\n`],
  ["a style block", `<style>\n${EVIL}</style>\n`],
  ["a script block", `<script type="text/plain">\n${EVIL}</script>\n`],
  ["a hidden div (raw HTML up to a blank line)", `<div hidden>\n${EVIL}</div>\n`],
  ["an Obsidian comment", `%%\n${EVIL}%%\n`],
  ["a comment after a closed one", `<!-- a --> <!-- b\n${EVIL}-->\n`],
];

for (const [where, hidden] of HIDING) {
  Deno.test(`a lua block hidden in ${where} does not run`, async () => {
    using world = hostileWorld({
      "Home.md": "# Home\n",
      ".crucible/plugins/tidy.md": MANIFEST + "\n" + hidden,
    });
    const skip = ["kiln:.crucible/audit"];
    const before = await world.checksums({ skip });
    const res = await world.cru(["plugins", "run", "tidy", "--yes", "--json"]);
    assertUnchanged(before, await world.checksums({ skip }));
    strictEqual(res.code, 1, res.stdout);
    ok(!res.stdout.includes("pwned"), res.stdout);
    const error = JSON.parse(res.stdout).error;
    strictEqual(error.code, "E_INVALID_PLUGIN");
    match(error.message, /plugin tidy is invalid and cannot run/);
    const check = await world.cru(["plugins", "validate", "tidy"]);
    match(check.stdout + check.stderr, /the note holds no ```rune or ```lua code block/);
    match(check.stdout + check.stderr, /inside an HTML block or comment is not shown to a reader/);
  });
}

Deno.test("the visible block runs, not the one hidden beside it", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/tidy.md": MANIFEST + "\n<!--\n" + EVIL + "-->\n\n" +
      '```lua\nfunction main() return "hello" end\n```\n',
  });
  const skip = ["kiln:.crucible/audit"];
  const before = await world.checksums({ skip });
  const res = await world.cru(["plugins", "run", "tidy", "--yes", "--json"]);
  assertUnchanged(before, await world.checksums({ skip }));
  strictEqual(res.code, 0, res.stdout + res.stderr);
  strictEqual(JSON.parse(res.stdout).value, "hello");
});

Deno.test("code blocks nested in a longer fence or indented are not the plugin's code", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/tidy.md": MANIFEST + "\n````markdown\n" + EVIL + "````\n\n" +
      EVIL.split("\n").map((l) => "    " + l).join("\n") + "\n",
  });
  const skip = ["kiln:.crucible/audit"];
  const before = await world.checksums({ skip });
  const res = await world.cru(["plugins", "run", "tidy", "--yes", "--json"]);
  assertUnchanged(before, await world.checksums({ skip }));
  strictEqual(res.code, 1);
  strictEqual(JSON.parse(res.stdout).error.code, "E_INVALID_PLUGIN");
});
