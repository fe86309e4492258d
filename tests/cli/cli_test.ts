/**
 * The real `cru` run as a subprocess on temporary kilns; `--json` output checked field by field.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { REPO, runCru, runCruJson, tempDemoKiln, tempKiln } from "../helpers.ts";
import denoJson from "../../deno.json" with { type: "json" };

Deno.test("--help lists the command groups and exits 0", async () => {
  const r = await runCru(["--help"]);
  strictEqual(r.code, 0);
  for (const word of ["kiln", "notes", "search", "graph", "--kiln"]) ok(r.stdout.includes(word));
});

Deno.test("--version prints the version from deno.json", async () => {
  const r = await runCru(["--version"]);
  strictEqual(r.code, 0);
  strictEqual(r.stdout.trim(), denoJson.version);
});

Deno.test("subcommand help describes its options", async () => {
  const r = await runCru(["notes", "list", "--help"]);
  strictEqual(r.code, 0);
  for (const word of ["--recursive", "--tag", "--where", "--json"]) ok(r.stdout.includes(word));
});

Deno.test("an unknown command is a usage error with a suggestion", async () => {
  const r = await runCru(["serch", "x"]);
  strictEqual(r.code, 2);
  match(r.stderr, /Did you mean search\?/i);
});

Deno.test("a bare command group prints its help and exits 2", async () => {
  const r = await runCru(["kiln"]);
  strictEqual(r.code, 2);
  ok((r.stdout + r.stderr).includes("index"));
});

Deno.test("a kiln path that does not exist is a clear error with exit 1", async () => {
  const r = await runCru(["--kiln", "/nonexistent/kiln/here", "kiln", "stats"]);
  strictEqual(r.code, 1);
  match(r.stderr, /kiln folder \/nonexistent\/kiln\/here \(from --kiln\) does not exist/);
  strictEqual(r.stdout, "");
});

Deno.test("a kiln path that does not exist gives a JSON error with --json", async () => {
  const r = await runCruJson<{ error: { code: string } }>(["--kiln", "/nope", "kiln", "stats"]);
  strictEqual(r.code, 1);
  strictEqual(r.json.error.code, "E_INVALID_KILN");
});

Deno.test("the kiln comes from --kiln, then CRUCIBLE_KILN, then an ancestor with .crucible/", async () => {
  using a = tempKiln({ "only-a.md": "# A\n" });
  using b = tempKiln({ "only-b.md": "# B\n", "deep/er/x.md": "# X\n" });
  Deno.mkdirSync(path.join(b.root, ".crucible"));
  const paths = async (args: string[], opts: { cwd?: string; env?: Record<string, string> }) =>
    (await runCruJson<{ path: string }[]>([...args, "notes", "list"], opts)).json.map((n) =>
      n.path
    );
  deepStrictEqual(await paths([], { cwd: path.join(b.root, "deep", "er") }), [
    "deep/er/x.md",
    "only-b.md",
  ]);
  deepStrictEqual(await paths([], { cwd: b.root, env: { CRUCIBLE_KILN: a.root } }), ["only-a.md"]);
  deepStrictEqual(
    await paths(["--kiln", b.root], { cwd: a.root, env: { CRUCIBLE_KILN: a.root } }),
    ["deep/er/x.md", "only-b.md"],
  );
  deepStrictEqual(await paths([], { cwd: a.root }), ["only-a.md"]);
});

Deno.test("kiln index --json reports added then unchanged notes and warnings", async () => {
  using kiln = tempKiln({ "a.md": "# A\n[[b]]\n", "b.md": "---\n- not a map\n---\n" });
  type Report = {
    notes: number;
    added: number;
    unchanged: number;
    diagnostics: { code: string }[];
  };
  const first = await runCruJson<Report>(["--kiln", kiln.root, "kiln", "index"]);
  strictEqual(first.code, 0);
  deepStrictEqual([first.json.notes, first.json.added], [2, 2]);
  deepStrictEqual(first.json.diagnostics.map((d) => d.code), ["frontmatter-not-mapping"]);
  const second = await runCruJson<Report>(["--kiln", kiln.root, "kiln", "index"]);
  deepStrictEqual([second.json.added, second.json.unchanged], [0, 2]);
  ok(Deno.statSync(path.join(kiln.root, ".crucible", "index.db")).isFile);
});

Deno.test("kiln index prints a summary and warnings on stderr", async () => {
  using kiln = tempKiln({ "a.md": "# A\n", "bin.md": new Uint8Array([1, 0, 2]) });
  const r = await runCru(["--kiln", kiln.root, "kiln", "index"]);
  strictEqual(r.code, 0);
  match(r.stdout, /indexed 1 notes in .*1 added.*1 skipped/);
  match(r.stderr, /warning: bin\.md: file holds binary data/);
});

Deno.test("kiln stats --json on the demo kiln", async () => {
  using kiln = tempDemoKiln();
  const { code, json } = await runCruJson<Record<string, unknown>>([
    "--kiln",
    kiln.root,
    "kiln",
    "stats",
  ]);
  strictEqual(code, 0);
  ok((json.notes as number) >= 30);
  strictEqual(json.unresolvedLinks, 4);
  deepStrictEqual(json.orphans, ["Inbox.md", "Stray Idea.md"]);
  deepStrictEqual(
    (json.unresolved as { target: string }[]).map((u) => u.target).sort(),
    ["Ebbinghaus 1885", "Harbor Map", "Q1 Retro", "The Drowned Bell"],
  );
  strictEqual((json.hubs as { path: string }[])[0].path, "campaign/npcs/Mira Vale.md");
});

Deno.test("notes list filters by folder, tag and --where", async () => {
  using kiln = tempDemoKiln();
  const list = async (...args: string[]) =>
    (await runCruJson<{ path: string }[]>(["--kiln", kiln.root, "notes", "list", ...args])).json
      .map((n) => n.path);
  const npcs = await list("campaign/npcs");
  ok(npcs.length >= 6 && npcs.every((p) => p.startsWith("campaign/npcs/")));
  deepStrictEqual(await list("campaign"), ["campaign/Campaign Overview.md"]);
  ok((await list("campaign", "--recursive")).length > 15);
  const dead = await list("--where", "status=dead");
  deepStrictEqual(dead, ["campaign/npcs/Oskar Thale.md"]);
  const toRead = await list("--where", "type=paper", "--where", "status=to-read");
  deepStrictEqual(toRead, ["research/papers/Kleinberg 1999.md", "research/papers/Settles 2016.md"]);
  ok((await list("--tag", "faction")).length >= 4);
  deepStrictEqual(await list("--tag", "no-such-tag"), []);
});

Deno.test("notes list of a folder that does not exist fails with E_NOT_FOUND and a suggestion", async () => {
  using kiln = tempKiln({ "campaign/npcs/Mira.md": "# Mira\n", "a.md": "# A\n" });
  Deno.mkdirSync(path.join(kiln.root, "drafts"));
  const missing = await runCru(["--kiln", kiln.root, "notes", "list", "nosuchfolder"]);
  strictEqual(missing.code, 1);
  strictEqual(missing.stdout, "");
  match(missing.stderr, /no folder "nosuchfolder" in the kiln; run `cru notes list`/);
  const typo = await runCru(["--kiln", kiln.root, "notes", "list", "campain"]);
  strictEqual(typo.code, 1);
  match(typo.stderr, /did you mean "campaign"/);
  const json = await runCru(["--kiln", kiln.root, "notes", "list", "campain", "--json"]);
  strictEqual(json.code, 1);
  // An existing folder without notes, and one that only holds sub-folders, are not errors.
  const empty = await runCru(["--kiln", kiln.root, "notes", "list", "drafts"]);
  strictEqual(empty.code, 0, empty.stderr);
  match(empty.stdout, /no notes match/);
  strictEqual((await runCru(["--kiln", kiln.root, "notes", "list", "campaign"])).code, 0);
});

Deno.test("notes list --json has the documented fields", async () => {
  using kiln = tempKiln({ "a.md": "---\ntags: [x]\n---\n# Alpha\none two three\n" });
  const { json } = await runCruJson<Record<string, unknown>[]>([
    "--kiln",
    kiln.root,
    "notes",
    "list",
  ]);
  strictEqual(json.length, 1);
  const n = json[0];
  deepStrictEqual(Object.keys(n).sort(), [
    "modified",
    "mtime",
    "path",
    "tags",
    "title",
    "wordCount",
  ]);
  deepStrictEqual([n.path, n.title, n.tags, n.wordCount], ["a.md", "Alpha", ["x"], 4]);
  ok(!Number.isNaN(Date.parse(n.modified as string)));
});

Deno.test("a malformed --where is a usage error", async () => {
  using kiln = tempKiln({ "a.md": "" });
  const r = await runCru(["--kiln", kiln.root, "notes", "list", "--where", "novalue"]);
  strictEqual(r.code, 2);
  match(r.stderr, /--where: filter "novalue" is not key=value/);
});

Deno.test("notes show --json returns content, links and backlinks; a name or alias works", async () => {
  using kiln = tempDemoKiln();
  type Shown = {
    path: string;
    title: string;
    content: string;
    tags: string[];
    aliases: string[];
    links: { resolved: string | null }[];
    backlinks: { path: string }[];
    frontmatter: Record<string, unknown>;
  };
  const byName = await runCruJson<Shown>(["--kiln", kiln.root, "notes", "show", "mira vale"]);
  strictEqual(byName.code, 0);
  const note = byName.json;
  strictEqual(note.path, "campaign/npcs/Mira Vale.md");
  ok(note.content.includes("Mira"));
  ok(!note.content.startsWith("---"), "content excludes the frontmatter");
  ok(note.tags.includes("npc"));
  ok(note.links.some((l) => l.resolved === "campaign/locations/Saltmarsh Docks.md"));
  ok(note.backlinks.length >= 10);
  strictEqual(note.frontmatter.type, "npc");
  const alias = note.aliases[0];
  const byAlias = await runCruJson<Shown>(["--kiln", kiln.root, "notes", "show", alias]);
  strictEqual(byAlias.json.path, note.path);
});

Deno.test("notes show of a missing note exits 1 and suggests close names", async () => {
  using kiln = tempDemoKiln();
  const r = await runCru(["--kiln", kiln.root, "notes", "show", "Mira Vail"]);
  strictEqual(r.code, 1);
  match(r.stderr, /no note "Mira Vail" in the kiln; did you mean "campaign\/npcs\/Mira Vale\.md"/);
});

Deno.test("notes show prints the note for people", async () => {
  using kiln = tempKiln({
    "a.md": "---\ntags: [x]\n---\n# Alpha\nSee [[b]].\n",
    "b.md": "[[a]]\n",
  });
  const r = await runCru(["--kiln", kiln.root, "notes", "show", "a"]);
  strictEqual(r.code, 0);
  for (const s of ["Alpha", "#x", "See [[b]].", "links (1)", "backlinks (1)", "b.md"]) {
    ok(r.stdout.includes(s), `missing ${s} in:\n${r.stdout}`);
  }
  ok(!r.stdout.includes("\x1b["), "no colour when NO_COLOR is set and stdout is not a TTY");
});

Deno.test("search --json ranks, limits and returns plain snippets", async () => {
  using kiln = tempDemoKiln();
  type Hit = { path: string; title: string; score: number; snippet: string };
  const { code, json } = await runCruJson<Hit[]>([
    "--kiln",
    kiln.root,
    "search",
    "dragon",
    "--limit",
    "3",
  ]);
  strictEqual(code, 0);
  strictEqual(json.length, 3);
  ok(json[0].score >= json[1].score && json[1].score >= json[2].score);
  ok(json.some((h) => h.path === "campaign/npcs/Vhessarine.md"));
  ok(json.every((h) => /dragon/i.test(h.snippet) && !h.snippet.includes("\u0002")));
});

Deno.test("search accepts -word exclusions and rejects unknown --options", async () => {
  using kiln = tempKiln({ "a.md": "apple banana\n", "b.md": "apple cherry\n" });
  for (let i = 0; i < 4; i++) kiln.write(`f${i}.md`, "filler\n");
  const r = await runCruJson<{ path: string }[]>([
    "--kiln",
    kiln.root,
    "search",
    "apple",
    "-cherry",
  ]);
  deepStrictEqual(r.json.map((h) => h.path), ["a.md"]);
  const bad = await runCru(["--kiln", kiln.root, "search", "apple", "--frobnicate"]);
  strictEqual(bad.code, 2);
  const badLimit = await runCru(["--kiln", kiln.root, "search", "apple", "--limit", "0"]);
  strictEqual(badLimit.code, 2);
  const tooMany = await runCru(["--kiln", kiln.root, "search", "apple", "--limit", "500"]);
  strictEqual(tooMany.code, 1);
  match(tooMany.stderr, /from 1 to 100/);
});

Deno.test("graph backlinks and links --json", async () => {
  using kiln = tempKiln({
    "a.md": "[[b]] and [[b#Part|the part]] and [[missing]]\n",
    "b.md": "# B\n## Part\nback to [a](a.md)\n",
    "c.md": '---\nrelated: "[[b]]"\n---\n',
  });
  type Back = { note: string; backlinks: { path: string; line: number }[] };
  const back = await runCruJson<Back>(["--kiln", kiln.root, "graph", "backlinks", "b"]);
  strictEqual(back.code, 0);
  strictEqual(back.json.note, "b.md");
  deepStrictEqual(back.json.backlinks.map((b) => [b.path, b.line]), [
    ["a.md", 1],
    ["a.md", 1],
    ["c.md", 2],
  ]);
  type Links = {
    links: {
      target: string;
      heading: string | null;
      alias: string | null;
      resolved: string | null;
    }[];
  };
  const links = await runCruJson<Links>(["--kiln", kiln.root, "graph", "links", "a.md"]);
  deepStrictEqual(
    links.json.links.map((l) => [l.target, l.heading, l.alias, l.resolved]),
    [["b", null, null, "b.md"], ["b", "Part", "the part", "b.md"], ["missing", null, null, null]],
  );
});

Deno.test("queries see edits without an explicit re-index", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  await runCru(["--kiln", kiln.root, "kiln", "index"]);
  kiln.write("new.md", "# New\nokapi\n");
  const r = await runCruJson<{ path: string }[]>(["--kiln", kiln.root, "search", "okapi"]);
  deepStrictEqual(r.json.map((h) => h.path), ["new.md"]);
});

Deno.test("the demo tour runs on a copy of the demo kiln and exits 0", async () => {
  const res = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "demo.ts",
    ],
    cwd: REPO,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(res.stdout);
  strictEqual(res.code, 0, new TextDecoder().decode(res.stderr));
  for (const s of ["kiln index", "kiln stats", "search", "graph backlinks", "42 unchanged"]) {
    ok(stdout.includes(s), `demo output lacks ${s}`);
  }
  let leftovers = false;
  try {
    Deno.statSync(path.join(REPO, "tests", "fixtures", "demo_kiln", ".crucible"));
    leftovers = true;
  } catch { /* expected: the demo never writes into the repository */ }
  strictEqual(leftovers, false);
});
