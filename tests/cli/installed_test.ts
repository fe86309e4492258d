/**
 * cru installed the README way (`deno task install`, i.e. `deno install -g` with the task's own
 * flags) works like `deno task cru`: the launcher runs without the repository's module graph, so
 * anything found through the import map at run time must be found another way too.
 */
import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { denoNpmPackageDirs } from "../../src/kiln/vocabulary.ts";
import { denoDir, REPO, tempKiln } from "../helpers.ts";

/** The `install` task's arguments after `deno install`, with the install root redirected. */
function installArgs(root: string): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(path.join(REPO, "deno.json"))).tasks;
  const words = (tasks.install as string).split(/\s+/);
  strictEqual(words.slice(0, 2).join(" "), "deno install", tasks.install);
  return [
    "install",
    "--root",
    root,
    ...words.slice(2).map((w) => w === "deno.json" || w === "cli.ts" ? path.join(REPO, w) : w),
  ];
}

Deno.test("semantic search works from cru installed with deno task install", () => {
  const home = Deno.makeTempDirSync({ prefix: "cru-installed-" });
  using kiln = tempKiln({
    "storm.md": "# Shipwreck off the cape\nThe gale drove the schooner onto the reef.\n",
    "bread.md": "# Sourdough\nFeed the starter, knead the dough and bake the loaf.\n",
  });
  try {
    const env = {
      HOME: home,
      // A fresh cru cache: the word vectors must be compacted from the npm package again.
      XDG_CACHE_HOME: path.join(home, ".cache"),
      XDG_CONFIG_HOME: path.join(home, ".config"),
      DENO_DIR: denoDir(),
      PATH: `${path.dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}`,
      NO_COLOR: "1",
    };
    // The rest of this environment stays: `deno install` may fetch package metadata, which
    // needs the machine's certificate and proxy settings.
    const install = new Deno.Command(Deno.execPath(), {
      args: installArgs(path.join(home, "root")),
      env,
      cwd: REPO,
    }).outputSync();
    strictEqual(install.code, 0, new TextDecoder().decode(install.stderr));
    const run = new Deno.Command(path.join(home, "root", "bin", "cru"), {
      args: ["--kiln", kiln.root, "search", "storm", "at", "sea", "--mode", "semantic", "--json"],
      env: { ...env, CRUCIBLE_CONFIG_DIR: path.join(home, ".config", "crucible") },
      cwd: home,
    }).outputSync();
    const stderr = new TextDecoder().decode(run.stderr);
    strictEqual(run.code, 0, stderr);
    const hits = JSON.parse(new TextDecoder().decode(run.stdout)) as { path: string }[];
    strictEqual(hits[0].path, "storm.md");
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
});

Deno.test("the npm cache folders are looked up the way Deno defaults DENO_DIR", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  deepStrictEqual(denoNpmPackageDirs("p", "1.0.0", env({ DENO_DIR: "/d" })), [
    "/d/npm/registry.npmjs.org/p/1.0.0",
  ]);
  const dirs = denoNpmPackageDirs("p", "1.0.0", env({ HOME: "/h", XDG_CACHE_HOME: "/x" }));
  deepStrictEqual(dirs, [
    "/x/deno/npm/registry.npmjs.org/p/1.0.0",
    "/h/.cache/deno/npm/registry.npmjs.org/p/1.0.0",
    "/h/Library/Caches/deno/npm/registry.npmjs.org/p/1.0.0",
  ]);
  match(dirs.join(), /registry\.npmjs\.org\/p\/1\.0\.0/);
});
