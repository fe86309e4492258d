/**
 * The host half of the kiln bindings: listing, search, the link graph and note writes. Every
 * method takes already-checked JSON arguments and returns JSON.
 *
 * @module
 */
import { obj, whereFilters } from "./arguments.ts";
import { stringify } from "yaml";
import { FileTooLargeError, InvalidParamsError, NotFoundError } from "../errors.ts";
import { NoteIndex } from "../kiln/note_index.ts";
import { resolveNotePath } from "../kiln/safe_path.ts";
import { formatBytes, parseNote } from "../kiln/note.ts";
import { matchesWhere, type WhereFilter } from "../kiln/where.ts";
import { MAX_SEARCH_LIMIT } from "../kiln/search.ts";
import { DEFAULT_SEARCH_MODE, SEARCH_MODES, searchKiln, type SearchMode } from "../kiln/hybrid.ts";
import {
  type EmbeddingProvider,
  embeddingProvider,
  type EmbeddingSettings,
} from "../kiln/embedding_providers.ts";
import { loadConfig } from "../config/config.ts";
import { cacheDir, configDir } from "../config/paths.ts";
import { journalBefore, type JournalPlace, sha256Hex, writeFileAtomic } from "./journal.ts";
import { checkFolderDepth, takeWrite, type WriteQuota } from "./write_quota.ts";
import type { Json } from "../runtime/protocol.ts";
import * as path from "node:path";

/** Who is writing, for the journal. */
export interface WriteOrigin {
  /** Plugin name. */
  plugin?: string;
  /** Invocation id. */
  invocation?: string;
}

/** One note write, performed or (dry run) intended. */
export interface NoteWrite {
  /** Kiln-relative path (absolute for a file outside the kiln). */
  path: string;
  /** A note (the default) or a file outside the kiln (fs.write). */
  kind?: "note" | "file";
  /** True when the note did not exist. */
  created: boolean;
  /** Content before (null for a new note). */
  before: string | null;
  /** Content after. */
  after: string;
  /** Journal entry id (absent in a dry run). */
  journal?: string;
}

/** How writes of one invocation are handled. */
export interface WriteMode {
  /** Record intended writes instead of performing them. */
  dryRun: boolean;
  /** Every write of the invocation, in order. */
  log: NoteWrite[];
  /** The run's write quota (none: unlimited). */
  quota?: WriteQuota;
}

/**
 * Crash injection for the crash-safety tests: with CRU_TEST_CRASH=<point> in the environment the
 * process dies at that point, as a power cut would. Never set outside tests.
 */
function crashPoint(point: string): void {
  let wanted: string | undefined;
  try {
    wanted = Deno.env.get("CRU_TEST_CRASH");
  } catch {
    return; // no env permission: not a test
  }
  if (wanted === point) Deno.exit(86);
}

/** Fields list_notes can return. */
const LIST_FIELDS = new Set([
  "path",
  "title",
  "tags",
  "word_count",
  "modified",
  "frontmatter",
  "aliases",
  "headings",
  "bytes",
]);

/** Kiln bindings on the host. */
export class KilnApi {
  /** Kiln root (real path). */
  readonly root: string;
  #index: NoteIndex | null = null;
  #fileSize: number;
  #embeddings: EmbeddingSettings | null;
  #provider: EmbeddingProvider | null = null;

  #indexFile: string | undefined;
  #configDir: string | undefined;

  /**
   * @param root kiln root
   * @param options.fileSize largest note written
   * @param options.embeddings where semantic search gets its vectors (default: the user
   * config's `search.embeddings`)
   * @param options.indexFile keeps the index elsewhere than `<kiln>/.crucible/index.db`
   * (benchmarks over shared kilns)
   * @param options.configDir the user config folder, which holds the journal key (default: the
   * environment's, see configDir())
   */
  constructor(
    root: string,
    options: {
      fileSize: number;
      embeddings?: EmbeddingSettings;
      indexFile?: string;
      configDir?: string;
    },
  ) {
    this.root = Deno.realPathSync(root);
    this.#fileSize = options.fileSize;
    this.#embeddings = options.embeddings ?? null;
    this.#indexFile = options.indexFile;
    this.#configDir = options.configDir;
  }

  /** The kiln's write journal and the folder of the key that authenticates it. */
  get journal(): JournalPlace {
    return { kilnRoot: this.root, configDir: this.#configDir ?? configDir() };
  }

  #settings(): EmbeddingSettings {
    if (!this.#embeddings) {
      try {
        this.#embeddings = loadConfig({ kilnRoot: this.root }).search.embeddings;
      } catch {
        // A broken config file is reported by the commands that read all of it.
        let dir: string | undefined;
        try {
          dir = cacheDir();
        } catch { /* no home folder */ }
        this.#embeddings = { provider: "builtin", cacheDir: dir };
      }
    }
    return this.#embeddings;
  }

  #embedder(): EmbeddingProvider {
    return (this.#provider ??= embeddingProvider(this.#settings()));
  }

  /** The index, opened and brought up to date on first use. */
  index(): NoteIndex {
    if (!this.#index) {
      // The config is read only when a search needs embeddings; until then the index keeps
      // the built-in vectors current if this machine has them (the default).
      this.#index = NoteIndex.open(this.root, {
        file: this.#indexFile,
        embeddings: this.#embeddings ?? undefined,
      });
      this.#index.update();
    }
    return this.#index;
  }

  /**
   * Whatever the graph algorithms built from the index (the link graph), kept until a note write
   * changes the index; owned by src/api/graph_algorithms.ts.
   */
  graphCache: unknown = null;

  /** Close the index. */
  close(): void {
    this.#index?.close();
    this.#index = null;
  }

  #note(ref: Json): string {
    if (typeof ref !== "string") throw new InvalidParamsError("a note path or name is needed");
    const found = this.index().find(ref);
    if (!found) throw new NotFoundError(`no note ${JSON.stringify(ref)} in the kiln`);
    return found;
  }

  /**
   * `list_notes(folder?, {recursive, tag, where, limit})`; `checkpoint` is called now and then
   * while the notes are scanned and may throw to stop the scan (an invocation's deadline).
   */
  listNotes(folder?: Json, options?: Json, checkpoint?: () => void): Json {
    const o = obj(options, "list_notes options");
    if (folder !== undefined && folder !== null && typeof folder !== "string") {
      throw new InvalidParamsError("list_notes(folder) needs a folder path string");
    }
    const rows = this.index().list({
      folder: folder ?? undefined,
      recursive: typeof o.recursive === "boolean"
        ? o.recursive
        : (folder ?? undefined) === undefined,
      tag: typeof o.tag === "string" ? o.tag : undefined,
      where: whereFilters(o.where),
      limit: typeof o.limit === "number" ? o.limit : undefined,
      checkpoint,
    });
    const fields = o.fields === undefined || o.fields === null ? null : o.fields;
    if (
      fields !== null && (!Array.isArray(fields) || fields.some((f) => !LIST_FIELDS.has(String(f))))
    ) {
      throw new InvalidParamsError(
        `list_notes fields is a list of ${[...LIST_FIELDS].join(", ")}`,
      );
    }
    const wanted = fields === null ? null : new Set(fields.map(String));
    const index = this.index();
    return rows.map((r) => {
      const row: Record<string, Json> = {
        path: r.path,
        title: r.title,
        tags: r.tags,
        word_count: r.wordCount,
        modified: new Date(r.mtime).toISOString(),
      };
      if (wanted === null) return row;
      const out: Record<string, Json> = {};
      for (const f of wanted) {
        if (f in row) out[f] = row[f];
        else {
          const note = index.note(r.path)!;
          if (f === "frontmatter") out.frontmatter = note.frontmatter as Json;
          if (f === "aliases") out.aliases = note.aliases;
          if (f === "headings") out.headings = note.headings.map((h) => h.text);
          if (f === "bytes") out.bytes = note.bytes;
        }
      }
      return out;
    });
  }

  /** `search(query, {limit, where, mode})`. */
  async search(query: Json, options?: Json): Promise<Json> {
    if (typeof query !== "string") throw new InvalidParamsError("search(query) needs a string");
    const o = obj(options, "search options");
    const limit = o.limit === undefined || o.limit === null ? 20 : Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new InvalidParamsError(`search limit must be 1 to ${MAX_SEARCH_LIMIT}`);
    }
    const mode = o.mode === undefined || o.mode === null ? DEFAULT_SEARCH_MODE : o.mode;
    if (typeof mode !== "string" || !SEARCH_MODES.includes(mode as SearchMode)) {
      throw new InvalidParamsError(
        `search mode ${JSON.stringify(mode)} is not one of ${SEARCH_MODES.join(", ")}`,
      );
    }
    const where = whereFilters(o.where);
    const index = this.index();
    const hits = await searchKiln(index, query, {
      limit,
      mode: mode as SearchMode,
      accept: where.length
        ? (p) => matchesWhere(index.note(p)?.frontmatter ?? {}, where)
        : undefined,
      provider: () => this.#embedder(),
    });
    return hits.map((h) => ({
      path: h.path,
      title: h.title,
      score: h.score,
      snippet: h.snippet.replaceAll("\u0002", "").replaceAll("\u0003", ""),
    }));
  }

  /** `graph.backlinks(note)`. */
  backlinks(note: Json): Json {
    return this.index().backlinks(this.#note(note)).map((b) => ({
      path: b.path,
      title: b.title,
      line: b.line,
    }));
  }

  /** `graph.forwardlinks(note)`. */
  forwardlinks(note: Json): Json {
    return this.index().forwardLinks(this.#note(note)).map((l) => ({
      target: l.target,
      path: l.resolved,
      line: l.line,
    }));
  }

  /**
   * `graph.traverse(start, {strategy, depth, limit, where})`: walk the link graph from a note.
   * `bfs` and `dfs` follow links out, `backlinks` follows links in; each note appears once, at
   * the depth it was first reached, with `via` naming the note it was reached from. `where`
   * filters the notes returned (the walk still passes through the others).
   *
   * `semantic` is a best-first walk: it follows links both ways, and always visits next the
   * reached note most similar (cosine of the note vectors) to the start note, so the notes
   * closest in meaning come first and `limit` cuts off the least related ones.
   */
  async traverse(start: Json, options?: Json): Promise<Json> {
    const o = obj(options, "traverse options");
    const strategy = o.strategy ?? "bfs";
    if (
      strategy !== "bfs" && strategy !== "dfs" && strategy !== "backlinks" &&
      strategy !== "semantic"
    ) {
      throw new InvalidParamsError(
        `strategy ${JSON.stringify(strategy)} is not bfs, dfs, backlinks or semantic`,
      );
    }
    const depth = o.depth === undefined ? 3 : Number(o.depth);
    if (!Number.isInteger(depth) || depth < 0 || depth > 10) {
      throw new InvalidParamsError("traverse depth is a whole number from 0 to 10 (default 3)");
    }
    const limit = o.limit === undefined ? 100 : Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new InvalidParamsError("traverse limit is a whole number from 1 to 1000 (default 100)");
    }
    const where = whereFilters(o.where);
    const index = this.index();
    const first = this.#note(start);
    if (strategy === "semantic") {
      await index.prepareVectors(this.#embedder());
      return this.#semanticWalk(first, depth, limit, where);
    }
    const next = (p: string): string[] =>
      strategy === "backlinks" ? [...new Set(index.backlinks(p).map((b) => b.path))] : [
        ...new Set(
          index.forwardLinks(p).filter((l) => l.resolvedKind === "note").map((l) => l.resolved!),
        ),
      ];
    const seen = new Map<string, { depth: number; via: string | null }>([[first, {
      depth: 0,
      via: null,
    }]]);
    const order: string[] = [];
    // bfs and backlinks: a queue; dfs: a stack (neighbours pushed in reverse to keep their order).
    const frontier: string[] = [first];
    while (frontier.length > 0) {
      // Without filters the first `limit` notes visited are the answer: stop walking there
      // (depth 3 from a hub can reach most of a large kiln).
      if (where.length === 0 && order.length >= limit) break;
      const p = strategy === "dfs" ? frontier.pop()! : frontier.shift()!;
      order.push(p);
      const d = seen.get(p)!.depth;
      if (d >= depth) continue;
      const neighbours = next(p).filter((n) => !seen.has(n));
      for (const n of neighbours) seen.set(n, { depth: d + 1, via: p });
      if (strategy === "dfs") frontier.push(...neighbours.reverse());
      else frontier.push(...neighbours);
    }
    const out: Json[] = [];
    for (const p of order) {
      const note = index.note(p);
      if (!note) continue;
      if (where.length && !matchesWhere(note.frontmatter, where)) continue;
      const info = seen.get(p)!;
      out.push({ path: p, title: note.title, depth: info.depth, via: info.via });
      if (out.length >= limit) break;
    }
    return out;
  }

  #semanticWalk(first: string, depth: number, limit: number, where: WhereFilter[]): Json {
    const index = this.index();
    const origin = index.vectorOf(first);
    const similarity = (p: string): number => {
      const v = origin && index.vectorOf(p);
      if (!origin || !v || v.length !== origin.length) return -2;
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i] * origin[i];
      return s;
    };
    const seen = new Map<string, { depth: number; via: string | null; score: number }>([
      [first, { depth: 0, via: null, score: 1 }],
    ]);
    // The frontier is small (the neighbours of the notes visited): a sorted array will do.
    const frontier: string[] = [first];
    const out: Json[] = [];
    while (frontier.length > 0 && out.length < limit) {
      const p = frontier.shift()!;
      const info = seen.get(p)!;
      const note = index.note(p);
      if (note && (!where.length || matchesWhere(note.frontmatter, where))) {
        out.push({
          path: p,
          title: note.title,
          depth: info.depth,
          via: info.via,
          score: info.score < -1 ? null : Math.round(info.score * 1e4) / 1e4,
        });
      }
      if (info.depth >= depth) continue;
      const neighbours = new Set([
        ...index.forwardLinks(p).filter((l) => l.resolvedKind === "note").map((l) => l.resolved!),
        ...index.backlinks(p).map((b) => b.path),
      ]);
      for (const n of neighbours) {
        if (seen.has(n)) continue;
        seen.set(n, { depth: info.depth + 1, via: p, score: similarity(n) });
        frontier.push(n);
      }
      frontier.sort((a, b) => seen.get(b)!.score - seen.get(a)!.score || (a < b ? -1 : 1));
    }
    return out;
  }

  /**
   * `write_note(path, content, frontmatter?)`: journal the previous content, then write the new
   * one atomically (temp file + rename), then update the index for that note.
   */
  writeNote(
    pathArg: Json,
    content: Json,
    frontmatter: Json | undefined,
    origin: WriteOrigin,
    mode: WriteMode = { dryRun: false, log: [] },
  ): Json {
    if (typeof pathArg !== "string") {
      throw new InvalidParamsError("write_note(path, …) needs a path");
    }
    if (typeof content !== "string") {
      throw new InvalidParamsError("write_note(path, content) needs the content as a string");
    }
    const fm = frontmatter === undefined || frontmatter === null
      ? null
      : obj(frontmatter, "frontmatter");
    const file = resolveNotePath(this.root, pathArg);
    takeWrite(mode, file.rel);
    checkFolderDepth(mode, file.rel);
    const text = fm && Object.keys(fm).length ? `---\n${stringify(fm)}---\n${content}` : content;
    const bytes = new TextEncoder().encode(text);
    if (bytes.length > this.#fileSize) {
      throw new FileTooLargeError(
        `write_note(${file.rel}) would write ${formatBytes(bytes.length)}, over the ` +
          `${formatBytes(this.#fileSize)} file-size limit`,
      );
    }
    // A dry run sees its own earlier intended writes, so a plugin that writes then rewrites a
    // note gets the same "created" answers it would get for real.
    const earlier = [...mode.log].reverse().find((w) => w.path === file.rel);
    const existed = earlier ? true : file.exists;
    // The journal keeps the exact bytes (a note need not be UTF-8); the log's text is for diffs.
    const previous = earlier
      ? new TextEncoder().encode(earlier.after)
      : file.exists
      ? Deno.readFileSync(file.abs)
      : null;
    const write: NoteWrite = {
      path: file.rel,
      created: !existed,
      before: previous === null ? null : new TextDecoder().decode(previous),
      after: text,
    };
    if (!mode.dryRun) {
      const entry = journalBefore(this.journal, {
        path: file.rel,
        previous,
        nextHash: sha256Hex(bytes),
        ...origin,
      });
      write.journal = entry.id;
      Deno.mkdirSync(path.dirname(file.abs), { recursive: true });
      crashPoint("after-journal");
      writeFileAtomic(file.abs, bytes);
      this.index().update({ paths: [file.rel] });
      this.graphCache = null;
    }
    mode.log.push(write);
    const note = parseNote(file.rel, text, { bytes: bytes.length, mtime: Date.now() });
    return {
      path: file.rel,
      created: !existed,
      word_count: note.wordCount,
      bytes: bytes.length,
      ...(mode.dryRun ? { dry_run: true } : {}),
    };
  }
}
