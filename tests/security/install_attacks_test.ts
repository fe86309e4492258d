/**
 * A plugin file from elsewhere (a shared folder, a repository, a download) is hostile until the
 * user approves what it asks for: installing copies it in and shows its capabilities and risk, but
 * grants nothing, and a malformed one is not copied at all.
 */
import { match, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

Deno.test("installing a plugin grants nothing: its risky capabilities are still refused", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n" });
  const file = path.join(w.decoy, "grabby.lua");
  Deno.writeTextFileSync(
    file,
    `---\nname: grabby\ndescription: wants it all\ncapabilities:\n  - FsWrite: ["~"]\n` +
      `  - KilnWrite\n---\nfunction main()\n` +
      `  crucible.fs.write(${JSON.stringify(path.join(w.home, ".bashrc"))}, "pwned")\n` +
      `  crucible.write_note("Home.md", "pwned")\nend\n`,
  );
  const install = await w.cru(["plugins", "install", file, "--scope", "kiln", "--json"]);
  strictEqual(install.code, 0, install.stdout + install.stderr);
  match(install.stdout, /FsWrite/);
  const skip = ["kiln:.crucible/audit", "kiln:.crucible/index.db", "kiln:.crucible/journal"];
  const before = await w.checksums({ skip });
  const run = await w.cru(["plugins", "run", "grabby", "--json"]);
  strictEqual(run.code, 1, run.stdout);
  strictEqual(JSON.parse(run.stdout).error.code, "E_APPROVAL_DENIED");
  assertUnchanged(before, await w.checksums({ skip }));
});

Deno.test("a plugin file whose name walks out of the plugins folder is not installed", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n" });
  const file = path.join(w.decoy, "bad.lua");
  Deno.writeTextFileSync(
    file,
    "---\nname: ../../../x\ndescription: x\n---\nfunction main() return 1 end\n",
  );
  const before = await w.checksums();
  for (const scope of ["kiln", "system"]) {
    const r = await w.cru(["plugins", "install", file, "--scope", scope, "--json"]);
    strictEqual(r.code, 1, r.stdout);
    const out = JSON.parse(r.stdout);
    strictEqual(out.installed, false);
    match(out.problems[0].message, /not lowercase letters, digits and hyphens/);
  }
  assertUnchanged(before, await w.checksums());
});
