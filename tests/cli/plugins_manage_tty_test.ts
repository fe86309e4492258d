/**
 * `cru plugins remove` and `install` on a real terminal (tmux): the confirmation prompt, answered
 * yes and no, and what is on disk afterwards.
 */
import { match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { tempKiln } from "../helpers.ts";
import { hasTmux, Terminal } from "./terminal.ts";

const RISKY = `---
name: shout
description: Upper-case a note's title
capabilities: [KilnRead, KilnWrite]
---
return { main = function() return 1 end }
`;

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

function test(name: string, fn: () => Promise<void>): void {
  Deno.test(`plugins on a terminal (tmux): ${name}`, () => {
    if (!hasTmux) throw new Error("these tests need tmux: apt-get install tmux");
    return fn();
  });
}

test("remove asks, and yes removes", async () => {
  using kiln = tempKiln();
  const file = kiln.write(".crucible/plugins/shout.lua", RISKY);
  await using term = await Terminal.start(["--kiln", kiln.root, "plugins", "remove", "shout"]);
  await term.answer(/Remove shout \(kiln: shout\.lua\)\?/, "y", "Enter");
  const pane = await term.waitFor(/removed .*shout\.lua/);
  strictEqual(await term.exitStatus(), "0", pane);
  ok(!exists(file));
});

test("remove asks, and no keeps the plugin (exit 1)", async () => {
  using kiln = tempKiln();
  const file = kiln.write(".crucible/plugins/shout.lua", RISKY);
  await using term = await Terminal.start([
    "--kiln",
    kiln.root,
    "plugins",
    "remove",
    "shout",
    "--purge",
  ]);
  await term.answer(/Remove shout \(kiln: shout\.lua\) and its state\?/, "n", "Enter");
  const pane = await term.waitFor("not removed");
  strictEqual(await term.exitStatus(), "1", pane);
  ok(exists(file));
});

test("install asks before a plugin with high-risk capabilities", async () => {
  using kiln = tempKiln();
  const src = kiln.write("shout.lua", RISKY);
  await using term = await Terminal.start(["--kiln", kiln.root, "plugins", "install", src]);
  const screen = await term.waitFor("Install shout, which asks for high-risk capabilities?");
  match(screen, /KilnWrite \(high risk\)/);
  await term.answer("high-risk capabilities?", "y", "Enter");
  const pane = await term.waitFor(/installed shout/);
  strictEqual(await term.exitStatus(), "0", pane);
  ok(exists(path.join(kiln.root, ".crucible", "plugins", "shout.lua")));
});

test("listings are coloured on a terminal, never with NO_COLOR", async () => {
  using kiln = tempKiln();
  for (const color of [true, false]) {
    await using term = await Terminal.start(["--kiln", kiln.root, "plugins", "list"], { color });
    const pane = await term.waitFor(/^cru exited with 0$/m);
    match(pane, /NAME\s+VERSION\s+LANG\s+SCOPE/);
    const escaped = await term.pane(true);
    // Bold plugin names: the one escape sequence the table always has.
    strictEqual(escaped.includes("\x1b[1mdice-roller"), color, escaped);
  }
});
