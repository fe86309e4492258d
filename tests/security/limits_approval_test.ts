/**
 * Raising any limit needs approval, the call rate included: a plugin asking for a higher
 * `limits.rate` than the default is refused until the user approves it, through the real CLI.
 */
import { match, strictEqual } from "node:assert/strict";
import { hostileWorld } from "./hostile.ts";
import { assertRefused } from "./plugin_identity.ts";

/** Asks to be called 6000 times a minute (the default is 100), e.g. to be hammered by others. */
const FAST = `---
name: fast
description: Asks for a much higher call rate
version: 1.0.0
limits: {rate: 6000/min}
---
function main() return "ran" end
`;

Deno.test("a raised limits.rate is refused without approval and granted with it", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n", ".crucible/plugins/fast.lua": FAST });
  const { error } = await assertRefused(w, ["plugins", "run", "fast"]);
  match(error.message, /plugin fast asked for limits\.rate\(6000\/min\), which is not approved/);

  const ok = await w.cru(["plugins", "run", "fast", "--json", "--approve", "fast:limits.rate"]);
  strictEqual(ok.code, 0, ok.stderr);
  strictEqual(JSON.parse(ok.stdout).value, "ran");
});

Deno.test("a lower limits.rate needs no approval", async () => {
  using w = hostileWorld({
    ".crucible/plugins/slow.lua": FAST.replace("fast", "slow").replace("6000/min", "10/min"),
  });
  const r = await w.cru(["plugins", "run", "slow", "--json"]);
  strictEqual(r.code, 0, r.stderr);
});
