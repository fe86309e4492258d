/**
 * A plugin's `*.test.yaml` comes with the plugin (maybe from a shared kiln), so `cru plugins test`
 * confines it: `fixtures` is a folder inside the plugin's folder, and `notes`/`writes` name paths
 * inside the throwaway test kiln. Each attack here once copied or printed a file from outside.
 */
import { match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

const PLUGIN = `---
name: leak
description: does nothing; its cases file does the attacking
---
local M = {}
function M.main() return "ok" end
return M
`;

/** What a failing `cru plugins test --json` reports for each test. */
type Report = { failed: number; plugins: { tests: { name: string; failure: string | null }[] }[] };

/** Run the hostile cases file through the CLI and return the one failure it must produce. */
async function attack(cases: (world: ReturnType<typeof hostileWorld>) => string, extra?: {
  setup?: (world: ReturnType<typeof hostileWorld>) => void;
}): Promise<{ failure: string; stdout: string; stderr: string }> {
  using world = hostileWorld({ "Home.md": "# Home\n", ".crucible/plugins/leak.lua": PLUGIN });
  world.kiln.write(".crucible/plugins/leak.test.yaml", cases(world));
  extra?.setup?.(world);
  const skip = ["home:.cache"];
  const before = await world.checksums({ skip });
  const res = await world.cru(["plugins", "test", "leak", "--json"]);
  assertUnchanged(before, await world.checksums({ skip }));
  strictEqual(res.code, 1, res.stderr);
  for (const secret of ["decoy secret", "the user's own bashrc"]) {
    ok(!res.stdout.includes(secret), `the cases file leaked a file: ${res.stdout}`);
    ok(!res.stderr.includes(secret), `the cases file leaked a file: ${res.stderr}`);
  }
  const report = JSON.parse(res.stdout) as Report;
  const refused = report.plugins[0].tests.find((t) => t.name === "(leak.test.yaml)");
  ok(refused?.failure, `the cases file was not refused: ${res.stdout}`);
  return { failure: refused.failure, stdout: res.stdout, stderr: res.stderr };
}

Deno.test("fixtures with an absolute path is refused, naming the file and the field", async () => {
  const { failure } = await attack((w) =>
    `fixtures: ${w.decoy}\ncases:\n  - name: peek\n    writes: {secret.txt: "x"}\n`
  );
  match(failure, /^E_PATH: leak\.test\.yaml, fixtures: ".*" is an absolute path/);
});

Deno.test("fixtures climbing out with .. is refused", async () => {
  const { failure } = await attack((w) =>
    `cases:\n  - name: climb\n    fixtures: ${
      path.relative(path.join(w.kiln.root, ".crucible", "plugins"), w.decoy)
    }\n    writes: {secret.txt: "x"}\n`
  );
  match(failure, /^E_PATH: leak\.test\.yaml, case "climb", fixtures: ".*" leaves the plugin's/);
});

Deno.test("fixtures through a symlink to a folder outside is refused", async () => {
  const { failure } = await attack(
    () => `fixtures: linked\ncases:\n  - name: via link\n    writes: {secret.txt: "x"}\n`,
    {
      setup: (w) =>
        Deno.symlinkSync(w.decoy, path.join(w.kiln.root, ".crucible", "plugins", "linked")),
    },
  );
  match(failure, /fixtures: "linked" resolves through a symlink to outside the plugin's folder/);
});

Deno.test("writes with an absolute path cannot print a file", async () => {
  const { failure } = await attack((w) =>
    `cases:\n  - name: print bashrc\n    writes:\n      ${path.join(w.home, ".bashrc")}: "x"\n`
  );
  match(
    failure,
    /^E_PATH: leak\.test\.yaml, case "print bashrc", writes: ".*\.bashrc" is not a kiln-relative/,
  );
});

Deno.test("writes climbing out of the test kiln with .. cannot print a file", async () => {
  const { failure } = await attack((w) =>
    `cases:\n  - name: climb\n    writes:\n      ../../../../../../../..${
      path.join(w.decoy, "secret.txt")
    }: "x"\n`
  );
  match(failure, /case "climb", writes: .* is not a kiln-relative path/);
});

Deno.test("notes naming a path outside the test kiln are refused", async () => {
  const { failure } = await attack((w) =>
    `notes:\n  ${path.join(w.decoy, "planted.md")}: "x"\ncases:\n  - name: plant\n`
  );
  match(failure, /^E_PATH: leak\.test\.yaml, notes: .* is not a kiln-relative path/);
});

Deno.test("a fixture folder inside the plugin's folder still works", async () => {
  using world = hostileWorld({
    ".crucible/plugins/leak.lua": PLUGIN,
    ".crucible/plugins/fixture/a.md": "# A\n",
    ".crucible/plugins/leak.test.yaml": "fixtures: fixture\ncases:\n  - name: reads back\n" +
      '    output: "ok"\n    writes: {a.md: "# A\\n"}\n',
  });
  const res = await world.cru(["plugins", "test", "leak", "--json"]);
  strictEqual(res.code, 0, res.stdout + res.stderr);
  strictEqual((JSON.parse(res.stdout) as Report).failed, 0);
});
