/**
 * Note paths a hostile plugin gives read_note and write_note: every spelling of `.crucible/` a
 * case-insensitive or Windows file system would land in, absolute paths, folders and NUL bytes are
 * refused with E_PATH, and nothing on disk changes. Run through the real CLI with a Lua plugin.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { isPrivateName } from "../../src/kiln/paths.ts";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

function prober(paths: string[]): string {
  return `---
name: prober
description: Tries note paths that should all be refused
capabilities: [KilnRead, KilnWrite]
---
local PATHS = { ${paths.map((p) => JSON.stringify(p).replaceAll("\\u0000", "\\0")).join(", ")} }
function main()
  local out = {}
  for i, p in ipairs(PATHS) do
    local okw, w = pcall(crucible.write_note, p, "pwned")
    local okr, r = pcall(crucible.read_note, p)
    out[i] = { write = okw and "WRITTEN" or w.code, read = okr and "READ" or r.code,
               message = (not okw) and w.message or "" }
  end
  return out
end
`;
}

Deno.test("every spelling of .crucible, absolute paths, folders and NUL are E_PATH", async () => {
  using world = hostileWorld({
    "a.md": "# A\n",
    "folder.md/inside.md": "# a folder named like a note\n",
    ".crucible/config.yaml": "sandbox:\n  timeout: 20s\n",
  });
  const bashrc = path.join(world.home, ".bashrc");
  const paths = [
    ".CRUCIBLE/config.yaml",
    ".Crucible/plugins/evil.md",
    ".crucible./x.md",
    ".crucible /x.md",
    ".crucible. . /x.md",
    ".crucible::$INDEX_ALLOCATION/x.md",
    "./.CRUCIBLE/x.md",
    "sub/../.CRUCIBLE/x.md",
    "/tmp/cru-abs.md",
    bashrc,
    "\\x.md",
    "C:/Windows/x.md",
    "c:\\x.md",
    "dir/",
    "a.md/",
    "folder.md",
    "a\u0000b.md",
    "a.md\u0000.txt",
    ".cruc\u0131ble/x.md",
    "CRUCIB~1/x.md",
    "a.md/x.md",
    "x".repeat(300) + ".md",
    ("y".repeat(200) + "/").repeat(30) + "z.md",
    "d/".repeat(2000) + "x.md",
  ];
  world.kiln.write(".crucible/plugins/prober.lua", prober(paths));
  const skip = ["kiln:.crucible/audit", "kiln:.crucible/index.db", "home:.cache"];
  const before = await world.checksums({ skip });
  const r = await world.cru(["plugins", "run", "prober", "--yes", "--json"]);
  strictEqual(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout).value as { write: string; read: string; message: string }[];
  deepStrictEqual(
    got.map((g, i) => [paths[i], g.write, g.read]),
    paths.map((p) => [p, "E_PATH", "E_PATH"]),
  );
  const message = (p: string) => got[paths.indexOf(p)].message;
  ok(/is absolute; note paths are kiln-relative/.test(message(bashrc)), message(bashrc));
  ok(/names a folder, not a note/.test(message("folder.md")), message("folder.md"));
  ok(/which holds cru's private data/.test(message(".crucible. . /x.md")));
  ok(/NUL/.test(message("a\u0000b.md")), message("a\u0000b.md"));
  assertUnchanged(before, await world.checksums({ skip }));
});

Deno.test("the private folder is recognised the way each file system folds names", () => {
  for (
    const name of [
      ".crucible",
      ".CRUCIBLE",
      ".Crucible.",
      ".crucible ",
      ".crucible. .",
      ".crucible:x",
    ]
  ) {
    strictEqual(isPrivateName(name), true, name);
  }
  for (
    const name of ["crucible", ".crucibles", "..crucible", ".cru cible", "x.crucible", "CRUCIB~"]
  ) {
    strictEqual(isPrivateName(name), false, name);
  }
});
