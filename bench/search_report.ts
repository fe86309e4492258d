/**
 * The search figures `docs/benchmarks.md` quotes ("Search"): compacting the word vectors, the
 * cost of note vectors in a cold index build and in a one-note update, embedding a whole index
 * at the first semantic search, and search latency for `text`, `semantic` and `hybrid`.
 *
 * ```sh
 * deno run -A bench/search_report.ts                  # 10k notes, Markdown on stdout
 * deno run -A bench/search_report.ts --notes 100000 --runs 1 --json
 * # --quiet S: wait up to S seconds (default 60) for the machine to be idle before each timing
 * ```
 *
 * The word vectors are compacted into a scratch cache folder (never the user's), indexes go to a
 * scratch folder, never into the kiln (cached in `$TMPDIR/cru-bench-kilns/`, see
 * `synthetic_kiln.ts`). Progress on stderr, the result on stdout.
 *
 * Queries: the 50 full-text queries of `workload.ts` for `text`, and 20 plain-English queries
 * (three content words of the synthetic vocabulary, e.g. "budget review decision") for all three
 * modes: the synthetic kiln's pseudo-words have no vectors, so the full-text set would make
 * semantic search look faster than it is.
 *
 * @module
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import process from "node:process";
import { walkKiln } from "../src/kiln/walk.ts";
import { readNote } from "../src/kiln/note.ts";
import { NoteIndex } from "../src/kiln/mod.ts";
import { searchKiln, type SearchMode } from "../src/kiln/hybrid.ts";
import {
  builtinEmbedder,
  embeddingProvider,
  type EmbeddingSettings,
} from "../src/kiln/embedding_providers.ts";
import { compactVocabulary, vectorSourceFile, vocabularyFile } from "../src/kiln/vocabulary.ts";
import { ensureKiln } from "./synthetic_kiln.ts";
import { DEFAULT_SEED, ENGLISH_WORDS, mixSeed, Random } from "./synthetic_text.ts";
import { benchQueries, percentile } from "./workload.ts";

/** Latency summary, milliseconds. */
export interface Latency {
  /** Samples. */
  samples: number;
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** Slowest. */
  max: number;
}

/** Everything the report measures. */
export interface SearchMeasurement {
  /** Notes in the kiln. */
  notes: number;
  /** Compacting the word vectors: wall time (ms), source bytes read, cache bytes, peak RSS. */
  compaction: { ms: number; bytesRead: number; cacheBytes: number; peakRss: number | null };
  /** Loading the cache and indexing its words (once per process), ms. */
  vocabularyLoadMs: number;
  /** Cold builds without and with note vectors, ms (every run). */
  coldMs: { without: number[]; with: number[] };
  /** CPU time of the process (every thread) during each cold build, ms. */
  coldCpuMs: { without: number[]; with: number[] };
  /** Embedding every (already parsed) note on one thread, best of 3, ms. */
  embedOnlyMs: number;
  /** Share of the machine busy with other work in the 3 s before each cold build. */
  coldBusy: { without: number[]; with: number[] };
  /** Index file size without and with note vectors, bytes. */
  indexBytes: { without: number; with: number };
  /** One changed note, told the path: median of 20 without and with vectors, ms. */
  oneNoteMs: { without: number; with: number };
  /** Embedding every note of an index built without vectors (first semantic search), ms. */
  embedAllMs: number;
  /** First semantic search after opening the index (loads the vector matrix), ms. */
  firstSemanticMs: number;
  /** Latency by query set and mode. */
  latency: Record<string, Latency>;
}

/** 20 plain-English queries of three content words from the synthetic vocabulary. */
export function englishQueries(seed = DEFAULT_SEED): string[] {
  const content = ENGLISH_WORDS.slice(ENGLISH_WORDS.indexOf("data")).filter((w) =>
    /^[a-z]+$/.test(w)
  );
  const rng = new Random(mixSeed(seed, 11));
  const out = new Set<string>();
  while (out.size < 20) {
    out.add(Array.from({ length: 3 }, () => content[rng.int(0, content.length - 1)]).join(" "));
  }
  return [...out];
}

function summarise(ms: number[]): Latency {
  return {
    samples: ms.length,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    max: Math.max(...ms),
  };
}

function resetPeakRss(): void {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch { /* not Linux */ }
}

function peakRss(): number | null {
  try {
    const m = Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\s+(\d+) kB/m);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time counters of the whole machine (Linux): busy and total jiffies. */
function cpuTimes(): { busy: number; total: number } | null {
  try {
    const f = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1)
      .map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3] - (f[4] ?? 0), total };
  } catch {
    return null;
  }
}

/**
 * Wait (up to `maxMs`) until the machine has been quiet — under 15% busy — for 3 s, so a timing
 * does not measure other people's work. Returns the busy share of the last 3 s.
 */
async function waitForQuiet(maxMs = 120_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, 3000));
    const b = cpuTimes();
    if (!a || !b) return 0;
    const busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    if (busy < 0.15 || Date.now() > deadline) return busy;
  }
}

function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Measure one kiln size. */
export async function measureSearch(
  notes: number,
  options: { log?: (m: string) => void; runs?: number; quietMs?: number } = {},
): Promise<SearchMeasurement> {
  const log = options.log ?? (() => {});
  const runs = options.runs ?? 3;
  const { root } = ensureKiln(notes, { log });
  const scratch = Deno.makeTempDirSync({ prefix: "cru-search-bench-" });
  try {
    const cacheDir = path.join(scratch, "cache");
    await waitForQuiet(options.quietMs);
    log("compacting the word vectors …");
    resetPeakRss();
    const c = compactVocabulary(vectorSourceFile(), vocabularyFile(cacheDir));
    const compaction = {
      ms: c.durationMs,
      bytesRead: c.bytesRead,
      cacheBytes: c.bytes,
      peakRss: peakRss(),
    };
    let t = performance.now();
    const embedder = builtinEmbedder(cacheDir);
    const vocabularyLoadMs = performance.now() - t;
    const parsed = walkKiln(root).notes.map((f) =>
      readNote(f.abs, f.path, { bytes: f.size, mtime: f.mtime })
    ).flatMap((r) => r.ok ? [r.note] : []);
    let embedOnlyMs = Infinity;
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      for (const n of parsed) embedder.embedNote(n);
      embedOnlyMs = Math.min(embedOnlyMs, performance.now() - t);
    }

    const withVectors: EmbeddingSettings = { provider: "builtin", cacheDir };
    const withoutVectors: EmbeddingSettings = {
      provider: "builtin",
      cacheDir: path.join(scratch, "no-cache"),
    };
    const coldMs = { without: [] as number[], with: [] as number[] };
    const coldBusy = { without: [] as number[], with: [] as number[] };
    const coldCpuMs = { without: [] as number[], with: [] as number[] };
    const indexBytes = { without: 0, with: 0 };
    for (let run = 0; run < runs; run++) {
      for (
        const [key, embeddings] of [["without", withoutVectors], ["with", withVectors]] as const
      ) {
        const file = path.join(scratch, `cold-${key}-${run}`, "index.db");
        const busy = await waitForQuiet(options.quietMs);
        coldBusy[key].push(busy);
        log(
          `cold index ${key} vectors, run ${run + 1} (machine ${(busy * 100).toFixed(0)}% busy) …`,
        );
        t = performance.now();
        const cpu = process.cpuUsage();
        const index = NoteIndex.open(root, { file, embeddings });
        index.update();
        coldMs[key].push(performance.now() - t);
        const used = process.cpuUsage(cpu);
        coldCpuMs[key].push((used.user + used.system) / 1000);
        index.close();
        indexBytes[key] = Deno.statSync(file).size;
        if (run < runs - 1) Deno.removeSync(path.dirname(file), { recursive: true });
      }
    }

    // One changed note, told the path (as writes through the API and --watch do).
    const oneNoteMs = { without: 0, with: 0 };
    const note = (() => {
      const index = NoteIndex.open(root, {
        file: path.join(scratch, `cold-with-${runs - 1}`, "index.db"),
        embeddings: withVectors,
      });
      const p = index.paths()[Math.floor(notes / 2)];
      index.close();
      return p;
    })();
    const abs = path.join(root, ...note.split("/"));
    const original = Deno.readFileSync(abs);
    try {
      for (const key of ["without", "with"] as const) {
        const index = NoteIndex.open(root, {
          file: path.join(scratch, `cold-${key}-${runs - 1}`, "index.db"),
          embeddings: key === "with" ? withVectors : withoutVectors,
        });
        const samples: number[] = [];
        for (let i = 0; i < 21; i++) {
          Deno.writeTextFileSync(
            abs,
            new TextDecoder().decode(original) + `\nRevision ${i}: the budget review.\n`,
          );
          Deno.utimeSync(abs, new Date(), new Date(Date.now() + i * 1000));
          t = performance.now();
          const r = index.update({ paths: [note] });
          if (i > 0) samples.push(performance.now() - t);
          if (r.changed !== 1) throw new Error(`expected one changed note, saw ${r.changed}`);
        }
        oneNoteMs[key] = median(samples);
        index.close();
      }
    } finally {
      Deno.writeFileSync(abs, original);
    }

    log("embedding an index built without vectors …");
    const provider = embeddingProvider(withVectors);
    let index = NoteIndex.open(root, {
      file: path.join(scratch, `cold-without-${runs - 1}`, "index.db"),
      embeddings: withoutVectors,
    });
    t = performance.now();
    await index.prepareVectors(provider);
    const embedAllMs = performance.now() - t;
    index.close();

    index = NoteIndex.open(root, {
      file: path.join(scratch, `cold-with-${runs - 1}`, "index.db"),
      embeddings: withVectors,
    });
    try {
      const english = englishQueries();
      t = performance.now();
      await searchKiln(index, english[0], { mode: "semantic", provider });
      const firstSemanticMs = performance.now() - t;
      const latency: Record<string, Latency> = {};
      const sets: [string, string[], SearchMode][] = [
        ["text, full-text set (50)", benchQueries().map((q) => q.query), "text"],
        ["text, English set (20)", english, "text"],
        ["semantic, English set (20)", english, "semantic"],
        ["hybrid, English set (20)", english, "hybrid"],
      ];
      for (const [name, queries, mode] of sets) {
        await waitForQuiet(options.quietMs);
        log(`search: ${name} …`);
        for (const q of queries) await searchKiln(index, q, { mode, provider });
        const ms: number[] = [];
        for (let pass = 0; pass < 5; pass++) {
          for (const q of queries) {
            t = performance.now();
            await searchKiln(index, q, { mode, provider });
            ms.push(performance.now() - t);
          }
        }
        latency[name] = summarise(ms);
      }
      return {
        notes,
        compaction,
        vocabularyLoadMs,
        coldMs,
        coldBusy,
        coldCpuMs,
        embedOnlyMs,
        indexBytes,
        oneNoteMs,
        embedAllMs,
        firstSemanticMs,
        latency,
      };
    } finally {
      index.close();
    }
  } finally {
    Deno.removeSync(scratch, { recursive: true });
  }
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const ms = (x: number) =>
  x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/** Each run's time with how busy the machine was just before it. */
function runs(times: number[], busy: number[]): string {
  return times.map((t, i) => `${ms(t)} at ${(busy[i] * 100).toFixed(0)}% busy`).join(", ");
}

/** The measurement as Markdown. */
export function searchTable(m: SearchMeasurement): string {
  const best = (xs: number[]) => Math.min(...xs);
  const lines = [
    `Kiln: ${m.notes.toLocaleString("en")} synthetic notes.`,
    "",
    "| What | Figure |",
    "| --- | ---: |",
    `| Compacting the word vectors (once per machine) | ${ms(m.compaction.ms)}, reads ${
      mb(m.compaction.bytesRead)
    } of the package's JSON, peak RSS ${m.compaction.peakRss ? mb(m.compaction.peakRss) : "n/a"} |`,
    `| Vocabulary cache | ${mb(m.compaction.cacheBytes)} |`,
    `| Loading the cache (once per process) | ${ms(m.vocabularyLoadMs)} |`,
    `| Cold index without vectors, best of ${m.coldMs.without.length} | ${
      ms(best(m.coldMs.without))
    } (${runs(m.coldMs.without, m.coldBusy.without)}) |`,
    `| Cold index with vectors, best of ${m.coldMs.with.length} | ${ms(best(m.coldMs.with))} (${
      runs(m.coldMs.with, m.coldBusy.with)
    }) |`,
    `| CPU time of the cold index (all threads), best run, without / with vectors | ${
      ms(best(m.coldCpuMs.without))
    } / ${ms(best(m.coldCpuMs.with))} |`,
    `| Embedding every note alone (parsed already, one thread), best of 3 | ${ms(m.embedOnlyMs)} |`,
    `| Index file without / with vectors | ${mb(m.indexBytes.without)} / ${
      mb(m.indexBytes.with)
    } |`,
    `| One changed note (told the path), median of 20, without / with vectors | ${
      ms(m.oneNoteMs.without)
    } / ${ms(m.oneNoteMs.with)} |`,
    `| Embedding every note at the first semantic search (index built without) | ${
      ms(m.embedAllMs)
    } |`,
    `| First semantic search after opening (loads the vectors) | ${ms(m.firstSemanticMs)} |`,
    "",
    "| Search (limit 20, snippets included) | p50 | p95 | max |",
    "| --- | ---: | ---: | ---: |",
    ...Object.entries(m.latency).map(([name, l]) =>
      `| ${name} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.max)} |`
    ),
  ];
  return lines.join("\n");
}

if (import.meta.main) {
  const args = parseArgs({
    args: Deno.args,
    options: {
      notes: { type: "string", default: "10000" },
      runs: { type: "string", default: "3" },
      quiet: { type: "string", default: "60" },
      json: { type: "boolean" },
    },
  });
  const m = await measureSearch(Number(args.values.notes), {
    log: (s) => console.error(s),
    runs: Number(args.values.runs),
    quietMs: Number(args.values.quiet) * 1000,
  });
  console.log(args.values.json ? JSON.stringify(m, null, 2) : searchTable(m));
}
