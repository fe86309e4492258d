/**
 * The note index figures `docs/benchmarks.md` quotes: for each kiln size, cold index time,
 * no-change and one-changed-note re-index (by a full scan, and told the path as the API and
 * `cru kiln index --watch` do), search latency percentiles, peak memory and index size.
 *
 * ```sh
 * deno run -A bench/index_report.ts                      # 10k and 100k notes, Markdown on stdout
 * deno run -A bench/index_report.ts --notes 10000 --json
 * ```
 *
 * Run it with `-A`: the child processes read and reset their peak RSS through `/proc/self`, which
 * Deno opens only with all permissions.
 *
 * Each kiln size is measured in its own child process, so peak RSS belongs to that size alone
 * and no JIT or page-cache warmth from generating the kiln leaks into it. Kilns are generated on
 * first use and cached in `$TMPDIR/cru-bench-kilns/`; the index goes to a scratch folder, never
 * into the kiln. Progress goes to stderr, the result to stdout.
 *
 * @module
 */
import * as path from "node:path";
import * as os from "node:os";
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { NoteIndex } from "../src/kiln/mod.ts";
import { ensureKiln } from "./synthetic_kiln.ts";
import { DEFAULT_SEED } from "./synthetic_text.ts";
import { benchQueries, NoteEdit, percentile, QUERY_KINDS, type QueryKind } from "./workload.ts";

/** Latency summary in milliseconds. */
export interface Latency {
  /** Samples taken. */
  samples: number;
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** Slowest sample. */
  max: number;
}

/** Everything measured on one kiln. */
export interface Measurement {
  /** Notes in the kiln. */
  notes: number;
  /** Seed the kiln was generated with. */
  seed: number;
  /** Total bytes of the notes. */
  kilnBytes: number;
  /** Wall time of every cold run (open a fresh index file + update), ms. */
  coldMs: number[];
  /** Fastest cold run, ms. */
  coldBestMs: number;
  /** Every no-change update, ms. */
  noChangeMs: number[];
  /** Median no-change update, ms. */
  noChangeMedianMs: number;
  /** Every one-changed-note update, ms. */
  oneChangeMs: number[];
  /** Median one-changed-note update, ms. */
  oneChangeMedianMs: number;
  /** Every one-changed-note update told the path (`update({ paths })`, no walk), ms. */
  oneChangeTargetedMs: number[];
  /** Median targeted one-changed-note update, ms. */
  oneChangeTargetedMedianMs: number;
  /** Search latency over every query and repetition. */
  search: Latency;
  /** Search latency by query kind. */
  searchByKind: Record<QueryKind, Latency>;
  /** Peak resident set of the measuring process (VmHWM), bytes; null off Linux. */
  peakRssBytes: number | null;
  /** Peak resident set during each phase alone (VmHWM reset at its start), bytes. */
  peakRssByPhase: Record<"cold" | "noChange" | "oneChange" | "search", number | null>;
  /** Largest `Deno.memoryUsage().rss` seen while sampling (during reads and between phases). */
  sampledRssMaxBytes: number;
  /** index.db size after close, bytes. */
  dbBytes: number;
  /** The note the one-change runs edit. */
  editedNote: string;
}

const Args = z.object({
  notes: z.string().default("10000,100000").transform((s, ctx) => {
    const list = s.split(",").map((x) => Number(x.trim()));
    if (list.some((n) => !Number.isInteger(n) || n < 1)) {
      ctx.addIssue({ code: "custom", message: "expected whole numbers like 10000,100000" });
      return z.NEVER;
    }
    return list;
  }),
  seed: z.coerce.number().int().min(0).max(0xffffffff).default(DEFAULT_SEED),
  "cold-runs": z.coerce.number().int().min(1).optional(),
  "search-reps": z.coerce.number().int().min(1).default(5),
  json: z.boolean().default(false),
  measure: z.boolean().default(false),
});
type Args = z.infer<typeof Args>;

const USAGE = "usage: deno run -A bench/index_report.ts [--notes 10000,100000] [--seed S] " +
  "[--cold-runs N] [--search-reps N] [--json]";

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        notes: { type: "string" },
        seed: { type: "string" },
        "cold-runs": { type: "string" },
        "search-reps": { type: "string" },
        json: { type: "boolean" },
        measure: { type: "boolean" },
      },
    });
    args = Args.parse(values);
  } catch (e) {
    const why = e instanceof z.ZodError
      ? e.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")
      : (e as Error).message;
    console.error(`${why}\n${USAGE}`);
    return 2;
  }
  if (args.measure) {
    console.log(JSON.stringify(measure(args.notes[0], args)));
    return 0;
  }

  const results: Measurement[] = [];
  for (const notes of args.notes) {
    ensureKiln(notes, { seed: args.seed, log: (m) => console.error(m) });
    const child = new Deno.Command(Deno.execPath(), {
      // All permissions: Deno grants /proc/self (the peak RSS counters) to nothing less.
      args: [
        "run",
        "--allow-all",
        import.meta.filename!,
        "--measure",
        "--notes",
        String(notes),
        "--seed",
        String(args.seed),
        "--search-reps",
        String(args["search-reps"]),
        ...(args["cold-runs"] ? ["--cold-runs", String(args["cold-runs"])] : []),
      ],
      stdout: "piped",
      stderr: "inherit",
    });
    const out = await child.output();
    if (!out.success) {
      console.error(`measuring the ${notes}-note kiln failed (exit ${out.code})`);
      return 1;
    }
    results.push(JSON.parse(new TextDecoder().decode(out.stdout)));
  }
  const machine = machineInfo();
  if (args.json) console.log(JSON.stringify({ machine, results }, null, 2));
  else console.log(reportMarkdown(machine, results));
  return 0;
}

/** Measure one kiln in this process. */
function measure(notes: number, args: Args): Measurement {
  const { root, summary } = ensureKiln(notes, { seed: args.seed, log: (m) => console.error(m) });
  const scratch = Deno.makeTempDirSync({ prefix: "cru-report-" });
  let sampled = 0;
  const sample = () => {
    sampled = Math.max(sampled, Deno.memoryUsage().rss);
  };
  const log = (m: string) => console.error(`[${notes / 1000}k] ${m}`);
  const coldRuns = args["cold-runs"] ?? (notes > 20_000 ? 1 : 3);
  let edit: NoteEdit | null = null;
  const peaks: Measurement["peakRssByPhase"] = {
    cold: null,
    noChange: null,
    oneChange: null,
    search: null,
  };
  let overall = 0;
  const endPhase = (phase: keyof typeof peaks) => {
    peaks[phase] = peakRss();
    overall = Math.max(overall, peaks[phase] ?? 0);
    resetPeakRss();
  };
  try {
    resetPeakRss();
    const coldMs: number[] = [];
    let cold: NoteIndex | null = null;
    let file = "";
    for (let r = 0; r < coldRuns; r++) {
      cold?.close();
      file = path.join(scratch, `cold-${r}`, "index.db");
      const t0 = performance.now();
      cold = NoteIndex.open(root, { file });
      const report = cold.update({ onProgress: sample });
      coldMs.push(performance.now() - t0);
      sample();
      if (report.added !== notes) throw new Error(`cold index added ${report.added} notes`);
      log(`cold index ${r + 1}/${coldRuns}: ${(coldMs[r] / 1000).toFixed(2)} s`);
    }
    const index = cold!;
    endPhase("cold");

    const noChangeMs = timed(6, () => {
      const report = index.update();
      if (report.unchanged !== notes) throw new Error(`${report.unchanged} notes unchanged`);
    }).slice(1);
    sample();
    endPhase("noChange");
    log(`no-change re-index: median ${percentile(noChangeMs, 50).toFixed(1)} ms`);

    const editedNote = index.paths()[Math.floor(notes / 2)];
    edit = new NoteEdit(root, editedNote);
    const oneChangeMs: number[] = [];
    for (let i = 0; i < 21; i++) {
      edit.next();
      const t0 = performance.now();
      const report = index.update();
      const ms = performance.now() - t0;
      if (report.changed !== 1) throw new Error(`expected 1 changed note, saw ${report.changed}`);
      if (i > 0) oneChangeMs.push(ms);
    }
    // What the API and the file watcher do: name the note that changed, no walk.
    const oneChangeTargetedMs: number[] = [];
    for (let i = 0; i < 21; i++) {
      edit.next();
      const t0 = performance.now();
      const report = index.update({ paths: [editedNote] });
      const ms = performance.now() - t0;
      if (report.changed !== 1) throw new Error(`expected 1 changed note, saw ${report.changed}`);
      if (i > 0) oneChangeTargetedMs.push(ms);
    }
    sample();
    endPhase("oneChange");
    log(
      `one changed note: median ${percentile(oneChangeMs, 50).toFixed(1)} ms full scan, ` +
        `${percentile(oneChangeTargetedMs, 50).toFixed(2)} ms targeted`,
    );

    const queries = benchQueries(args.seed);
    for (const q of queries) index.search(q.query, { limit: 20 });
    const samples: { kind: QueryKind; ms: number }[] = [];
    for (let rep = 0; rep < args["search-reps"]; rep++) {
      for (const q of queries) {
        const t0 = performance.now();
        index.search(q.query, { limit: 20 });
        samples.push({ kind: q.kind, ms: performance.now() - t0 });
      }
    }
    sample();
    endPhase("search");
    const all = samples.map((s) => s.ms);
    log(`search: p50 ${percentile(all, 50).toFixed(2)} ms over ${all.length} queries`);
    const searchByKind = {} as Record<QueryKind, Latency>;
    for (const kind of Object.keys(QUERY_KINDS) as QueryKind[]) {
      searchByKind[kind] = latency(samples.filter((s) => s.kind === kind).map((s) => s.ms));
    }

    index.close();
    edit.restore();
    edit = null;
    return {
      notes,
      seed: args.seed,
      kilnBytes: summary.bytes,
      coldMs,
      coldBestMs: Math.min(...coldMs),
      noChangeMs,
      noChangeMedianMs: percentile(noChangeMs, 50),
      oneChangeMs,
      oneChangeMedianMs: percentile(oneChangeMs, 50),
      oneChangeTargetedMs,
      oneChangeTargetedMedianMs: percentile(oneChangeTargetedMs, 50),
      search: latency(all),
      searchByKind,
      peakRssBytes: peaks.cold === null ? null : overall,
      peakRssByPhase: peaks,
      sampledRssMaxBytes: sampled,
      dbBytes: Deno.statSync(file).size,
      editedNote,
    };
  } finally {
    edit?.restore();
    Deno.removeSync(scratch, { recursive: true });
  }
}

function timed(runs: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

function latency(ms: number[]): Latency {
  return {
    samples: ms.length,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    max: Math.max(...ms),
  };
}

/** Linux only: start the VmHWM high-water mark again from the current RSS. */
function resetPeakRss(): void {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch { /* not Linux, or not allowed: the peak then covers the whole process */ }
}

function peakRss(): number | null {
  try {
    const m = Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\s+(\d+) kB/m);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The machine the figures come from. */
export interface MachineInfo {
  /** CPU model name. */
  cpu: string;
  /** Logical CPUs. */
  cpus: number;
  /** Total memory, bytes. */
  memoryBytes: number;
  /** Deno version. */
  deno: string;
  /** SQLite version node:sqlite ships. */
  sqlite: string;
  /** OS and kernel. */
  os: string;
}

/** Describe this machine. */
export function machineInfo(): MachineInfo {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpu;
  } catch { /* not Linux */ }
  return {
    cpu,
    cpus: navigator.hardwareConcurrency,
    memoryBytes: os.totalmem(),
    deno: Deno.version.deno,
    sqlite: sqliteVersion(),
    os: `${Deno.build.os} ${os.release()}`,
  };
}

function sqliteVersion(): string {
  const db = new DatabaseSync(":memory:");
  try {
    return (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  } finally {
    db.close();
  }
}

/** The report as Markdown: the main table, then search latency by query kind. */
export function reportMarkdown(machine: MachineInfo, results: Measurement[]): string {
  const ms = (n: number) =>
    n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(n < 10 ? 2 : 1)} ms`;
  const mb = (n: number | null) => n === null ? "n/a" : `${(n / 1048576).toFixed(0)} MB`;
  const lines = [
    `Machine: ${machine.cpu}, ${machine.cpus} CPUs, ${mb(machine.memoryBytes)} RAM, ` +
    `Deno ${machine.deno}, SQLite ${machine.sqlite}, ${machine.os}`,
    "",
    "| Notes | Kiln | Cold index | No-change re-index | One changed note (full scan) | " +
    "One changed note (targeted) | Search p50 | Search p95 | Search p99 | " +
    "Peak RSS, cold index | index.db |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    const cells = [
      r.notes.toLocaleString("en-US"),
      mb(r.kilnBytes),
      `${ms(r.coldBestMs)} (best of ${r.coldMs.length})`,
      `${ms(r.noChangeMedianMs)} (median of ${r.noChangeMs.length})`,
      `${ms(r.oneChangeMedianMs)} (median of ${r.oneChangeMs.length})`,
      `${ms(r.oneChangeTargetedMedianMs)} (median of ${r.oneChangeTargetedMs.length})`,
      ms(r.search.p50),
      ms(r.search.p95),
      ms(r.search.p99),
      mb(r.peakRssByPhase.cold ?? r.sampledRssMaxBytes),
      mb(r.dbBytes),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push("", "Peak RSS of the measuring process by phase (VmHWM, reset at each phase):", "");
  for (const r of results) {
    const p = r.peakRssByPhase;
    lines.push(
      `- ${r.notes.toLocaleString("en-US")} notes: cold index ${mb(p.cold)}, no-change ` +
        `re-index ${mb(p.noChange)}, one changed note ${mb(p.oneChange)}, search ` +
        `${mb(p.search)}`,
    );
  }
  lines.push(
    "",
    "Search latency by query kind (p50 / p95 / max):",
    "",
    "| Notes | " + Object.keys(QUERY_KINDS).map((k) => `${k} (${QUERY_KINDS[k as QueryKind]})`)
      .join(" | ") +
      " |",
    "| ---: |" + " ---: |".repeat(Object.keys(QUERY_KINDS).length),
  );
  for (const r of results) {
    const cells = (Object.keys(QUERY_KINDS) as QueryKind[]).map((k) => {
      const l = r.searchByKind[k];
      return `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.max)}`;
    });
    lines.push(`| ${r.notes.toLocaleString("en-US")} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

if (import.meta.main) Deno.exit(await main(Deno.args));
