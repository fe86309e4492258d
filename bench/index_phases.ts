/**
 * Where a cold index spends its time, phase by phase, on a synthetic kiln:
 *
 * 1. the real full build (`NoteIndex.update` on a new index file) with `workers: 0`, so that all
 *    of it runs on one thread, with `DatabaseSync` patched to time every SQL call by statement
 *    (the insert cost per table, the index creation, the COMMIT), the time before `BEGIN` (the
 *    walk) and the JavaScript inside the transaction (reading, parsing, rows, link resolution)
 *    as the remainders; then the same build with the default worker threads, timed whole;
 * 2. then the phases alone, each over the whole kiln: the walk, reading and UTF-8 decoding,
 *    frontmatter parsing, the Markdown scan, `parseNote` as a whole, and link resolution.
 *
 * ```sh
 * deno run -A bench/index_phases.ts --notes 100000 [--json]
 * ```
 *
 * A diagnostic for whoever tunes the indexer; the figures `docs/benchmarks.md` quotes come from
 * `index_report.ts`. Wrapping adds roughly a microsecond per SQL call, so the instrumented total
 * runs a little over an uninstrumented cold index.
 *
 * @module
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { z } from "zod";
import {
  memoryLookup,
  NoteIndex,
  parseFrontmatter,
  parseNote,
  resolveLink,
  scanMarkdown,
  walkKiln,
} from "../src/kiln/mod.ts";
import type { Note } from "../src/kiln/mod.ts";
import { ensureKiln } from "./synthetic_kiln.ts";
import { DEFAULT_SEED } from "./synthetic_text.ts";

/** Time spent in one kind of SQL statement. */
export interface StatementTime {
  /** Statement, cut to its verb and table (`INSERT INTO links`). */
  statement: string;
  /** Calls. */
  calls: number;
  /** Total milliseconds. */
  ms: number;
}

/** The breakdown of one cold index. */
export interface PhaseReport {
  /** Notes in the kiln. */
  notes: number;
  /** Links found. */
  links: number;
  /** Wall time of the same build with the default worker threads, ms. */
  threadedMs: number;
  /** The instrumented real build, on one thread. */
  update: {
    /** Wall time of the build, ms. */
    totalMs: number;
    /** From the start to `BEGIN`: the walk, ms. */
    beforeTransactionMs: number;
    /** From `BEGIN` to the end of `COMMIT`, ms. */
    transactionMs: number;
    /** SQL time inside the transaction, ms (COMMIT included). */
    transactionSqlMs: number;
    /** JavaScript inside the transaction (reading, parsing, rows, link resolution), ms. */
    transactionJsMs: number;
    /** SQL time by statement, largest first. */
    statements: StatementTime[];
  };
  /** Each phase run alone over the whole kiln, ms. */
  phases: {
    walk: number;
    readAndDecode: number;
    frontmatter: number;
    markdownScan: number;
    parseNote: number;
    linkResolution: number;
  };
}

/**
 * Patch `DatabaseSync` so that every statement call of every database opened afterwards is
 * timed, keyed by statement kind (the build opens its own scratch database). Returns the timings
 * and a function that removes the patch.
 */
function instrument(): {
  times: Map<string, StatementTime>;
  marks: Map<string, number>;
  sqlInTransaction: () => number;
  restore: () => void;
} {
  const times = new Map<string, StatementTime>();
  const marks = new Map<string, number>();
  let inTransaction = false;
  let sqlInTransaction = 0;
  const record = (statement: string, ms: number) => {
    const t = times.get(statement) ?? { statement, calls: 0, ms: 0 };
    t.calls++;
    t.ms += ms;
    times.set(statement, t);
    if (inTransaction) sqlInTransaction += ms;
  };
  const proto = DatabaseSync.prototype;
  const prepare = proto.prepare;
  const exec = proto.exec;
  proto.exec = function (this: DatabaseSync, sql: string) {
    const verb = sql.trim();
    const t0 = performance.now();
    marks.set(`${verb}:start`, t0);
    exec.call(this, sql);
    const t1 = performance.now();
    marks.set(`${verb}:end`, t1);
    if (verb === "COMMIT" || verb === "ROLLBACK") {
      record(verb, t1 - t0);
      inTransaction = false;
    } else {
      record(statementLabel(verb), t1 - t0);
      if (verb === "BEGIN" || verb.startsWith("BEGIN ")) inTransaction = true;
    }
  };
  proto.prepare = function (this: DatabaseSync, sql: string) {
    const stmt = prepare.call(this, sql);
    const label = statementLabel(sql);
    return new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop !== "run" && prop !== "get" && prop !== "all") return value.bind(target);
        return (...params: unknown[]) => {
          const t0 = performance.now();
          const result = value.apply(target, params);
          record(label, performance.now() - t0);
          return result;
        };
      },
    }) as StatementSync;
  } as typeof proto.prepare;
  const restore = () => {
    proto.prepare = prepare;
    proto.exec = exec;
  };
  return { times, marks, sqlInTransaction: () => sqlInTransaction, restore };
}

function statementLabel(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  const m = flat.match(
    /^(INSERT (?:OR REPLACE )?INTO \w+|DELETE FROM \w+|UPDATE \w+|SELECT .*? FROM \w+|CREATE INDEX)/,
  );
  return m ? m[1].replace(/^SELECT .*? FROM/, "SELECT … FROM") : flat.slice(0, 40);
}

function measure(notes: number, seed: number): PhaseReport {
  const { root } = ensureKiln(notes, { seed, log: (m) => console.error(m) });
  const scratch = Deno.makeTempDirSync({ prefix: "cru-phases-" });
  try {
    const { times, marks, sqlInTransaction, restore } = instrument();
    const t0 = performance.now();
    let totalMs: number;
    try {
      const index = NoteIndex.open(root, { file: path.join(scratch, "one", "index.db") });
      const report = index.update({ workers: 0 });
      totalMs = performance.now() - t0;
      index.close();
      if (report.added !== notes) throw new Error(`cold index added ${report.added} notes`);
    } finally {
      restore();
    }
    const begin = marks.get("BEGIN:start")!;
    const commitEnd = marks.get("COMMIT:end")!;
    const statements = [...times.values()].sort((a, b) => b.ms - a.ms);
    const transactionSqlMs = sqlInTransaction();
    console.error(`instrumented build, one thread: ${(totalMs / 1000).toFixed(2)} s`);

    const t1 = performance.now();
    const threaded = NoteIndex.open(root, { file: path.join(scratch, "threads", "index.db") });
    threaded.update();
    const threadedMs = performance.now() - t1;
    threaded.close();
    console.error(`build with the default worker threads: ${(threadedMs / 1000).toFixed(2)} s`);

    const phases = {
      walk: 0,
      readAndDecode: 0,
      frontmatter: 0,
      markdownScan: 0,
      parseNote: 0,
      linkResolution: 0,
    };
    let t = performance.now();
    const walk = walkKiln(root);
    phases.walk = performance.now() - t;

    const decoder = new TextDecoder("utf-8", { fatal: true });
    const texts: string[] = [];
    t = performance.now();
    for (const f of walk.notes) {
      const bytes = Deno.readFileSync(f.abs);
      if (bytes.indexOf(0) !== -1) throw new Error(`${f.path} holds NUL bytes`);
      texts.push(decoder.decode(bytes));
    }
    phases.readAndDecode = performance.now() - t;

    const bodies: { body: string; line: number }[] = [];
    t = performance.now();
    for (let i = 0; i < texts.length; i++) {
      const fm = parseFrontmatter(texts[i], walk.notes[i].path);
      bodies.push({ body: fm.body, line: fm.bodyLine });
    }
    phases.frontmatter = performance.now() - t;

    t = performance.now();
    for (const b of bodies) scanMarkdown(b.body, { firstLine: b.line });
    phases.markdownScan = performance.now() - t;

    const parsed: Note[] = [];
    t = performance.now();
    for (let i = 0; i < texts.length; i++) {
      const f = walk.notes[i];
      parsed.push(parseNote(f.path, texts[i], { bytes: f.size, mtime: f.mtime }));
    }
    phases.parseNote = performance.now() - t;

    const lookup = memoryLookup(parsed, walk.attachments);
    let links = 0;
    t = performance.now();
    for (const note of parsed) {
      for (const link of note.links) {
        resolveLink(link, note.path, lookup);
        links++;
      }
    }
    phases.linkResolution = performance.now() - t;

    return {
      notes,
      links,
      threadedMs,
      update: {
        totalMs,
        beforeTransactionMs: begin - t0,
        transactionMs: commitEnd - begin,
        transactionSqlMs,
        transactionJsMs: commitEnd - begin - transactionSqlMs,
        statements,
      },
      phases,
    };
  } finally {
    Deno.removeSync(scratch, { recursive: true });
  }
}

function markdown(r: PhaseReport): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const u = r.update;
  const lines = [
    `Cold index of ${r.notes.toLocaleString("en-US")} notes (${
      r.links.toLocaleString("en-US")
    } links), on one thread and instrumented: ${s(u.totalMs)}; with the default worker ` +
    `threads: ${s(r.threadedMs)}`,
    "",
    "| Part of the one-thread build | Time | Share |",
    "| --- | ---: | ---: |",
    `| before BEGIN: the walk | ${s(u.beforeTransactionMs)} | ${
      pct(u.beforeTransactionMs, u.totalMs)
    } |`,
    `| transaction: SQL (COMMIT included) | ${s(u.transactionSqlMs)} | ${
      pct(u.transactionSqlMs, u.totalMs)
    } |`,
    `| transaction: JavaScript (read, parse, rows, link resolution) | ${s(u.transactionJsMs)} | ${
      pct(u.transactionJsMs, u.totalMs)
    } |`,
    "",
    "| SQL statement | Calls | Time | µs per call |",
    "| --- | ---: | ---: | ---: |",
    ...u.statements.filter((x) => x.ms >= 1).map((x) =>
      `| \`${x.statement}\` | ${x.calls.toLocaleString("en-US")} | ${s(x.ms)} | ${
        (x.ms * 1000 / x.calls).toFixed(1)
      } |`
    ),
    "",
    "| Phase alone | Time |",
    "| --- | ---: |",
    ...Object.entries(r.phases).map(([k, v]) => `| ${k} | ${s(v)} |`),
  ];
  return lines.join("\n");
}

function pct(part: number, whole: number): string {
  return `${Math.round((part / whole) * 100)}%`;
}

const Args = z.object({
  notes: z.coerce.number().int().min(1).default(100_000),
  seed: z.coerce.number().int().min(0).max(0xffffffff).default(DEFAULT_SEED),
  json: z.boolean().default(false),
});

if (import.meta.main) {
  let args: z.infer<typeof Args>;
  try {
    const { values } = parseArgs({
      args: Deno.args,
      options: { notes: { type: "string" }, seed: { type: "string" }, json: { type: "boolean" } },
    });
    args = Args.parse(values);
  } catch (e) {
    console.error(
      `${(e as Error).message}\nusage: deno run -A bench/index_phases.ts [--notes N] [--json]`,
    );
    Deno.exit(2);
  }
  const report = measure(args.notes, args.seed);
  console.log(args.json ? JSON.stringify(report, null, 2) : markdown(report));
}
