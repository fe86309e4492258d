/**
 * Note index benchmarks on a synthetic kiln: cold index, no-change and one-changed-note
 * re-index (by a full scan, and told the path), and full-text search. Run with `deno task bench`.
 *
 * The kiln has 10,000 notes by default (under a minute in all, after the first run generates
 * and caches the kiln in `$TMPDIR/cru-bench-kilns/`); set `CRU_BENCH_NOTES=100000` for the
 * 100k-note kiln (several minutes: each cold index takes tens of seconds). `CRU_BENCH_SEED`
 * changes the kiln. For the table in `docs/benchmarks.md` use `bench/index_report.ts`.
 *
 * @module
 */
import * as path from "node:path";
import { NoteIndex } from "../src/kiln/mod.ts";
import { ensureKiln } from "./synthetic_kiln.ts";
import { DEFAULT_SEED } from "./synthetic_text.ts";
import { benchQueries, NoteEdit, QUERY_KINDS, type QueryKind } from "./workload.ts";

const NOTES = positiveInt("CRU_BENCH_NOTES", 10_000);
const SEED = positiveInt("CRU_BENCH_SEED", DEFAULT_SEED);
const LARGE = NOTES > 20_000;

const { root } = ensureKiln(NOTES, { seed: SEED, log: (m) => console.error(m) });
const scratch = Deno.makeTempDirSync({ prefix: "cru-bench-" });
const label = `${NOTES / 1000}k notes`;

// One index built up front serves the re-index and search benches; the cold bench makes its own.
const shared = NoteIndex.open(root, { file: path.join(scratch, "shared", "index.db") });
shared.update();
const editedNote = shared.paths()[Math.floor(NOTES / 2)];
const edit = new NoteEdit(root, editedNote);

globalThis.addEventListener("unload", () => {
  shared.close();
  edit.restore();
  Deno.removeSync(scratch, { recursive: true });
});

let coldRun = 0;
Deno.bench({
  name: `cold index, ${label}`,
  group: "index",
  n: LARGE ? 1 : 5,
  warmup: LARGE ? 0 : 1,
  fn(b) {
    const dir = path.join(scratch, `cold-${coldRun++}`);
    b.start();
    const index = NoteIndex.open(root, { file: path.join(dir, "index.db") });
    const report = index.update();
    b.end();
    index.close();
    Deno.removeSync(dir, { recursive: true });
    if (report.added !== NOTES) throw new Error(`cold index added ${report.added} notes`);
  },
});

Deno.bench({
  name: `no-change re-index, ${label}`,
  group: "index",
  n: LARGE ? 5 : 20,
  warmup: 1,
  fn() {
    const report = shared.update();
    if (report.unchanged !== NOTES) throw new Error(`${report.unchanged} notes unchanged`);
  },
});

Deno.bench({
  name: `one changed note re-index, ${label}`,
  group: "index",
  n: 30,
  warmup: 2,
  fn(b) {
    edit.next();
    b.start();
    const report = shared.update();
    b.end();
    if (report.changed !== 1) throw new Error(`expected 1 changed note, saw ${report.changed}`);
  },
});

Deno.bench({
  name: `one changed note, targeted (update({ paths })), ${label}`,
  group: "index",
  n: 30,
  warmup: 2,
  fn(b) {
    edit.next();
    b.start();
    const report = shared.update({ paths: [editedNote] });
    b.end();
    if (report.changed !== 1) throw new Error(`expected 1 changed note, saw ${report.changed}`);
  },
});

const queries = benchQueries(SEED);
for (const kind of Object.keys(QUERY_KINDS) as QueryKind[]) {
  const set = queries.filter((q) => q.kind === kind).map((q) => q.query);
  let i = 0;
  Deno.bench({
    name: `search ${kind} (${set.length} queries, cycled), ${label}`,
    group: "search",
    n: set.length * 10,
    warmup: set.length,
    fn() {
      shared.search(set[i++ % set.length], { limit: 20 });
    },
  });
}

function positiveInt(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${name} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  }
  return n;
}
