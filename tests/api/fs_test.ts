/**
 * crucible.fs.read / fs.list: files outside the kiln, only within the FsRead paths — checked by
 * the binding and by the worker's Deno permissions.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { tempKiln } from "../helpers.ts";
import { fixedApprover, jsPlugin, luaPlugin, testRunner } from "../sandbox/sandbox_helpers.ts";

Deno.test("fs.read and fs.list work inside the FsRead paths and nowhere else", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  using papers = tempKiln({ "refs.bib": "@article{k, title={T}}\n", "sub/x.txt": "x" });
  using other = tempKiln({ "secret.txt": "nope" });
  Deno.symlinkSync(path.join(other.root, "secret.txt"), path.join(papers.root, "link.txt"));
  const { runner } = testRunner(kiln, { approver: fixedApprover([`FsRead(${papers.root})`]) });
  const p = await luaPlugin(
    "reader",
    `capabilities:\n  - FsRead: [${papers.root}]\n`,
    `function main()
       local out = { bib = crucible.fs.read(${JSON.stringify(path.join(papers.root, "refs.bib"))}) }
       local names = {}
       for _, e in ipairs(crucible.fs.list(${
      JSON.stringify(papers.root)
    })) do names[#names + 1] = e.name .. ":" .. e.type end
       out.names = names
       for k, target in pairs({ other = ${JSON.stringify(path.join(other.root, "secret.txt"))},
                                link = ${JSON.stringify(path.join(papers.root, "link.txt"))},
                                relative = "refs.bib",
                                dotdot = ${
      JSON.stringify(path.join(papers.root, "..", path.basename(other.root), "secret.txt"))
    } }) do
         local ok, err = pcall(crucible.fs.read, target)
         out[k] = ok and "READ" or err.code
       end
       return out
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    const v = r.value as Record<string, unknown>;
    strictEqual(v.bib, "@article{k, title={T}}\n");
    deepStrictEqual(v.names, ["link.txt:other", "refs.bib:file", "sub:dir"]);
    deepStrictEqual([v.other, v.link, v.relative, v.dotdot], [
      "E_CAPABILITY",
      "E_CAPABILITY",
      "E_PATH",
      "E_CAPABILITY",
    ]);
    ok(!JSON.stringify(r).includes("nope"));
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("without FsRead the worker cannot read outside the kiln even directly", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  using papers = tempKiln({ "refs.bib": "data" });
  const { runner } = testRunner(kiln);
  try {
    const file = JSON.stringify(path.join(papers.root, "refs.bib"));
    const r = await runner.invoke({
      plugin: jsPlugin(
        "nosy",
        "",
        `const out = {};
         try { out.binding = crucible.fs.read(${file}); } catch (e) { out.binding = e.code; }
         try { out.direct = Deno.readTextFileSync(${file}); } catch (e) { out.direct = e.constructor.name; }
         return out;`,
      ),
    });
    deepStrictEqual(r.value, { binding: "E_CAPABILITY", direct: "NotCapable" });
  } finally {
    runner.close();
  }
});
