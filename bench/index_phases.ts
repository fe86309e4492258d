/**
 * Where a cold index spends its time, phase by phase, on a synthetic kiln:
 *
 * 1. the real `updateIndex` on a fresh database whose statements are wrapped to time every SQL
 *    call by statement (so the insert cost per table, and the COMMIT, are measured on the code
 *    path users run), with the time before `BEGIN` (walk, reading, parsing) and the JavaScript
 *    inside the transaction (row building, link resolution) as the remainders;
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
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { z } from "zod";
import {
  memoryLookup,
  parseFrontmatter,
  parseNote,
  resolveLink,
  scanMarkdown,
  walkKiln,
} from "../src/kiln/mod.ts";
import type { Note } from "../src/kiln/mod.ts";
import { updateIndex } from "../src/kiln/indexer.ts";
import { openIndexDb } from "../src/kiln/index_db.ts";
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
  /** The instrumented real update. */
  update: {
    /** Wall time of `updateIndex`, ms. */
    totalMs: number;
    /** From the start to `BEGIN`: walk, loading stored rows, reading and parsing, ms. */
    beforeTransactionMs: number;
    /** From `BEGIN` to the end of `COMMIT`, ms. */
    transactionMs: number;
    /** SQL time inside the transaction, ms (COMMIT included). */
    transactionSqlMs: number;
    /** JavaScript inside the transaction (rows, JSON columns, link resolution), ms. */
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

/** Wrap a database so every statement call is timed, keyed by statement kind. */
function instrument(db: DatabaseSync): {
  times: Map<string, StatementTime>;
  marks: Map<string, number>;
  sqlInTransaction: () => number;
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
  const prepare = db.prepare.bind(db);
  const exec = db.exec.bind(db);
  db.exec = (sql: string) => {
    const verb = sql.trim();
    const t0 = performance.now();
    marks.set(`${verb}:start`, t0);
    exec(sql);
    const t1 = performance.now();
    marks.set(`${verb}:end`, t1);
    if (verb === "COMMIT" || verb === "ROLLBACK") {
      record(verb, t1 - t0);
      inTransaction = false;
    } else {
      record(verb.split(/\s+/).slice(0, 2).join(" "), t1 - t0);
      if (verb.startsWith("BEGIN")) inTransaction = true;
    }
  };
  db.prepare = (sql: string) => {
    const stmt = prepare(sql);
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
  };
  return { times, marks, sqlInTransaction: () => sqlInTransaction };
}

function statementLabel(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  const m = flat.match(
    /^(INSERT (?:OR REPLACE )?INTO \w+|DELETE FROM \w+|UPDATE \w+|SELECT .*? FROM \w+)/,
  );
  return m ? m[1].replace(/^SELECT .*? FROM/, "SELECT … FROM") : flat.slice(0, 40);
}

function measure(notes: number, seed: number): PhaseReport {
  const { root } = ensureKiln(notes, { seed, log: (m) => console.error(m) });
  const scratch = Deno.makeTempDirSync({ prefix: "cru-phases-" });
  try {
    const db = openIndexDb(root, path.join(scratch, "index.db"));
    const { times, marks, sqlInTransaction } = instrument(db);
    const t0 = performance.now();
    const report = updateIndex(db, root);
    const totalMs = performance.now() - t0;
    db.close();
    if (report.added !== notes) throw new Error(`cold index added ${report.added} notes`);
    const begin = marks.get("BEGIN IMMEDIATE:start")!;
    const commitEnd = marks.get("COMMIT:end")!;
    const statements = [...times.values()].sort((a, b) => b.ms - a.ms);
    const transactionSqlMs = sqlInTransaction();
    console.error(`instrumented update: ${(totalMs / 1000).toFixed(2)} s`);

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
    } links), instrumented: ${s(u.totalMs)}`,
    "",
    "| Part of the real update | Time | Share |",
    "| --- | ---: | ---: |",
    `| before BEGIN: walk, stored rows, read + parse | ${s(u.beforeTransactionMs)} | ${
      pct(u.beforeTransactionMs, u.totalMs)
    } |`,
    `| transaction: SQL (COMMIT included) | ${s(u.transactionSqlMs)} | ${
      pct(u.transactionSqlMs, u.totalMs)
    } |`,
    `| transaction: JavaScript (rows, JSON, link resolution) | ${s(u.transactionJsMs)} | ${
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
