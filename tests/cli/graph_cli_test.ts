/**
 * `cru graph path|neighbours|orphans|hubs` and `--format dot|json` on a real temp kiln through
 * the real CLI.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { runCru, runCruJson, tempKiln } from "../helpers.ts";

// a → b → c → d, e → a, e → c, lonely links nowhere, "odd" has a name that tries to break DOT.
const KILN = {
  "a.md": "# A\n[[b]]\n",
  "b.md": "# B\n[[c]]\n",
  "c.md": "# C\n[[d]]\n",
  "d.md": "# D\n",
  "e.md": '# E\n[[a]] [[c]] [[odd"name]]\n',
  'odd"name.md': "# Odd\n",
  "lonely.md": "# Lonely\n",
};

Deno.test("cru graph path follows links forwards, or both ways with --undirected", async () => {
  using kiln = tempKiln(KILN);
  const k = ["--kiln", kiln.root, "graph", "path"];
  const forwards = await runCruJson<{ path: string[] }>([...k, "e", "d"]);
  deepStrictEqual(forwards.json.path, ["e.md", "c.md", "d.md"]);
  const backwards = await runCruJson<{ error: { code: string } }>([...k, "d", "a"]);
  strictEqual(backwards.code, 1);
  strictEqual(backwards.json.error.code, "E_NOT_FOUND");
  const text = await runCru([...k, "d", "a"]);
  strictEqual(text.code, 1);
  match(text.stderr, /no chain of links leads from d\.md to a\.md \(try --undirected/);
  const undirected = await runCruJson<{ path: string[] }>([...k, "d", "a", "--undirected"]);
  // Breadth-first over sorted neighbours: the first shortest chain, the same every run.
  deepStrictEqual(undirected.json.path, ["d.md", "c.md", "b.md", "a.md"]);
  const missing = await runCru([...k, "a", "nosuch"]);
  strictEqual(missing.code, 1);
  match(missing.stderr, /no note "nosuch"/);
});

Deno.test("cru graph neighbours lists notes by distance, both directions", async () => {
  using kiln = tempKiln(KILN);
  const r = await runCruJson<{ neighbours: { path: string; distance: number; via: string }[] }>(
    ["--kiln", kiln.root, "graph", "neighbours", "a", "--depth", "2"],
  );
  deepStrictEqual(r.json.neighbours, [
    { path: "b.md", distance: 1, via: "out" },
    { path: "e.md", distance: 1, via: "in" },
    { path: "c.md", distance: 2, via: "out" },
    { path: 'odd"name.md', distance: 2, via: "out" },
  ]);
  const alias = await runCru(["--kiln", kiln.root, "graph", "neighbors", "lonely"]);
  strictEqual(alias.code, 0);
  match(alias.stdout, /lonely\.md has no links in or out/);
  const bad = await runCru(["--kiln", kiln.root, "graph", "neighbours", "a", "--depth", "0"]);
  strictEqual(bad.code, 2);
  match(bad.stderr, /--depth must be a whole number from 1 to 100/);
});

Deno.test("cru graph orphans and hubs", async () => {
  using kiln = tempKiln(KILN);
  const orphans = await runCruJson<string[]>(["--kiln", kiln.root, "graph", "orphans"]);
  deepStrictEqual(orphans.json, ["lonely.md"]);
  const hubs = await runCruJson<{ path: string; backlinks: number }[]>(
    ["--kiln", kiln.root, "graph", "hubs", "--limit", "1"],
  );
  deepStrictEqual(hubs.json, [{ path: "c.md", backlinks: 2 }]);
});

Deno.test("--format dot quotes every note name so none can inject DOT", async () => {
  using kiln = tempKiln(KILN);
  const r = await runCru(["--kiln", kiln.root, "graph", "links", "e", "--format", "dot"]);
  strictEqual(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  strictEqual(lines[0], "digraph kiln {");
  strictEqual(lines.at(-1), "}");
  ok(lines.includes('  "e.md" [style=bold];'));
  ok(lines.includes('  "e.md" -> "odd\\"name.md";'), r.stdout);
  ok(lines.includes('  "e.md" -> "a.md";'));
  // Every statement line is a quoted node or a quoted edge: nothing escaped its quotes.
  for (const line of lines.slice(1, -1)) {
    match(line, /^ {2}"(?:[^"\\]|\\.)*"(?: -> "(?:[^"\\]|\\.)*")?(?: \[style=bold\])?;$/);
  }
  const bad = await runCru(["--kiln", kiln.root, "graph", "hubs", "--format", "svg"]);
  strictEqual(bad.code, 2);
  match(bad.stderr, /--format must be one of text, json, dot/);
});
