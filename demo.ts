/**
 * `deno task demo`: a short, readable tour of cru on the shipped demo kiln. The kiln is copied to
 * a temporary folder first so the tour never writes into the repository.
 *
 * @module
 */
import * as path from "node:path";
import { main } from "./src/cli/main.ts";
import { err, out } from "./src/cli/output.ts";

const source = path.join(import.meta.dirname!, "tests", "fixtures", "demo_kiln");
const kiln = Deno.makeTempDirSync({ prefix: "cru-demo-" });

function copy(from: string, to: string): void {
  for (const e of Deno.readDirSync(from)) {
    if (e.name === ".crucible") continue;
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory) {
      Deno.mkdirSync(b);
      copy(a, b);
    } else if (e.isFile) Deno.copyFileSync(a, b);
  }
}

const steps: [string, string[]][] = [
  ["Index the kiln (every note is read once; later runs read only what changed)", [
    "kiln",
    "index",
  ]],
  ["What is in it", ["kiln", "stats"]],
  ["Full-text search, ranked (stemming: 'dragons' finds 'dragon')", [
    "search",
    "dragons",
    "--limit",
    "4",
  ]],
  ["A phrase, and an exclusion", ["search", '"spaced repetition"', "-anki", "--limit", "3"]],
  ["Who links to Mira Vale? (by name, alias, path or Markdown link)", [
    "graph",
    "backlinks",
    "Mira Vale",
  ]],
  ["Where the links of a session note lead", ["graph", "links", "Session 02"]],
  ["Notes filtered by frontmatter and tag", [
    "notes",
    "list",
    "campaign/npcs",
    "--where",
    "status=alive",
    "--tag",
    "npc",
  ]],
  ["Run it again: nothing changed, so nothing is re-read", ["kiln", "index"]],
  ["The plugins cru knows (built-in, system and this kiln's)", ["plugins", "list"]],
  ["Run a Lua plugin in its sandbox (it may only read notes)", [
    "plugins",
    "run",
    "word-count",
    "--params",
    '{"path": "campaign/npcs/Mira Vale.md"}',
  ]],
  ["Roll for a character's stats with the Rune dice roller (keep the highest 3 of 4d6)", [
    "plugins",
    "run",
    "dice-roller",
    "--params",
    '{"expression": "4d6kh3"}',
  ]],
  ["Parse the BibTeX in a paper note", [
    "plugins",
    "run",
    "bibtex-parser",
    "--params",
    '{"path": "research/papers/Brin 1998.md"}',
  ]],
  ["Notes related to a paper: links, clusters (Louvain), PageRank and shared tags (Lua)", [
    "plugins",
    "run",
    "related-notes",
    "--params",
    '{"note": "Brin 1998", "limit": 4}',
  ]],
  [
    "A research pipeline as a DAG workflow: papers parsed in parallel, progress on stderr " +
    "(calling its bibtex-parser dependency is PluginInvoke, approved for this run)",
    [
      "plugins",
      "run",
      "research-pipeline",
      "--params",
      '{"parallel": 3}',
      "--approve",
      "research-pipeline:PluginInvoke(bibtex-parser)",
    ],
  ],
  ["A manuscript's phases as a saved state machine (Rune), with a Graphviz picture", [
    "plugins",
    "run",
    "state-machine-example",
    "--params",
    '{"id": "lit-review", "event": "outline"}',
  ]],
  ["Run it again: the machine is restored where it stopped", [
    "plugins",
    "run",
    "state-machine-example",
    "--params",
    '{"id": "lit-review", "event": "draft"}',
  ]],
  ["Roll initiative for the Dockside Ambush (combat-tracker calls dice-roller)", [
    "plugins",
    "run",
    "combat-tracker",
    "--params",
    '{"encounter": "dockside-ambush", "action": "start", "combatants": [{"name": "Mira Vale", ' +
    '"hp": 22, "bonus": 2}, {"name": "Dockhand", "hp": 11, "bonus": 1}, {"name": "Tamsin", ' +
    '"hp": 18, "bonus": 3}]}',
    "--approve",
    "combat-tracker:PluginInvoke(dice-roller)",
  ]],
  ["Campaign notes by type: dates, ages, slugs and frontmatter links (utilities)", [
    "plugins",
    "run",
    "frontmatter-digest",
    "--params",
    '{"folder": "campaign/npcs", "today": "2026-11-25"}',
  ]],
  ["What the plugins did, from the audit log", ["audit"]],
  [
    "Extract the key concepts of the research notes (TF-IDF against the whole kiln) and write a " +
    "concept map linking them to their notes (approved for this run with --approve)",
    [
      "plugins",
      "run",
      "concept-extractor",
      "--params",
      '{"folder": "research", "top": 3}',
      "--approve",
      "concept-extractor:KilnWrite",
    ],
  ],
  ["Undo the plugin's write: the journal puts the kiln back as it was", ["undo"]],
];

let failed = 0;
try {
  copy(source, kiln);
  console.log(out.bold("cru demo") + out.dim(` — demo kiln copied to ${kiln}`));
  for (const [title, args] of steps) {
    console.log();
    console.log(out.ok("▸ ") + out.bold(title));
    console.log(
      out.dim(`  $ cru ${args.map((a) => (/[\s"{]/.test(a) ? `'${a}'` : a)).join(" ")}`),
    );
    const code = await main(["--kiln", kiln, ...args]);
    if (code !== 0) {
      failed++;
      console.error(err.error(`  (exit ${code})`));
    }
  }
} finally {
  Deno.removeSync(kiln, { recursive: true });
}
Deno.exit(failed === 0 ? 0 : 1);
