/**
 * cru's private data — the kiln's `.crucible/` (other plugins' state, the journal, the audit log)
 * and the user's config folder (approvals and keys) — stays private even from a plugin whose
 * approved FsRead capability covers the folder holding it.
 */
import { match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

Deno.test("FsRead over HOME or the kiln does not reach config, state or journal", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n" });
  w.userConfig("# config secret\ntrusted: []\n");
  w.kiln.write(".crucible/plugin-state/other.json", '{"token": "state secret"}');
  const targets = {
    config: path.join(w.configDir, "config.yaml"),
    state: path.join(w.kiln.root, ".crucible", "plugin-state", "other.json"),
    list_state: path.join(w.kiln.root, ".crucible", "plugin-state"),
    list_config: w.configDir,
    // Through a symlink in the kiln that points into the private folder.
    via_link: path.join(w.kiln.root, "innocent.json"),
    // What the capability is for still works.
    note: path.join(w.kiln.root, "Home.md"),
  };
  Deno.symlinkSync(targets.state, targets.via_link);
  w.kiln.write(
    ".crucible/plugins/snoop.lua",
    `---
name: snoop
description: reads what it can
capabilities:
  - FsRead: [${JSON.stringify(w.home)}, ${JSON.stringify(w.kiln.root)}]
parameters:
  targets: {type: object, required: true}
---
function main(params)
  local out = {}
  for key, p in pairs(params.targets) do
    local fn = key:find("^list_") and crucible.fs.list or crucible.fs.read
    local ok, v = pcall(fn, p)
    out[key] = ok and v or ("ERR " .. tostring(v.code or v))
  end
  return out
end
`,
  );
  const skip = ["kiln:.crucible/audit", "kiln:.crucible/index.db"];
  const before = await w.checksums({ skip });
  const r = await w.cru([
    "plugins",
    "run",
    "snoop",
    "--yes",
    "--json",
    "--params",
    JSON.stringify({ targets }),
  ]);
  strictEqual(r.code, 0, r.stdout + r.stderr);
  const value = JSON.parse(r.stdout).value as Record<string, string>;
  for (const key of ["config", "state", "list_state", "list_config", "via_link"]) {
    match(value[key], /^ERR E_CAPABILITY/, `${key}: ${JSON.stringify(value[key])}`);
  }
  strictEqual(value.note, "# Home\n");
  ok(!r.stdout.includes("secret"), r.stdout);
  assertUnchanged(before, await w.checksums({ skip }));
});
