/**
 * The audit log: one JSON object per line for every invocation start and end, every capability
 * use (granted or refused), every approval decision and every security event, kept under
 * `<kiln>/.crucible/audit/`.
 *
 * - One file per UTC day, `audit-YYYY-MM-DD.jsonl`. When a log is opened, and again whenever its
 *   clock reaches a new day, plain files of earlier days are gzipped to `audit-YYYY-MM-DD.jsonl.gz`
 *   (temp file + rename, then the plain file is removed) and files of days more than
 *   `retentionDays` before today are deleted.
 * - An append opens the day's file in append mode and writes one whole line in one call, so it
 *   never disturbs earlier lines; a line torn by a crash is closed off with a newline before the
 *   next append and skipped when reading.
 * - Reading never throws for a bad file or line: it skips it and reports a warning.
 *
 * @example
 * ```ts
 * import { AuditLog, paramsDigest } from "./audit.ts";
 * const dir = Deno.makeTempDirSync();
 * const log = new AuditLog(dir);
 * const invocation = crypto.randomUUID();
 * log.record({ kind: "invocation.start", invocation, plugin: "dice-roller",
 *   paramsDigest: paramsDigest({ sides: 20 }) });
 * log.record({ kind: "capability", invocation, plugin: "dice-roller", binding: "read_note",
 *   capability: "KilnRead", target: "campaign/Home.md", granted: true });
 * log.record({ kind: "invocation.end", invocation, plugin: "dice-roller", status: "ok",
 *   durationMs: 12 });
 * console.log(AuditLog.read(dir, { plugin: "dice-roller" }).length); // 3
 * ```
 *
 * @module
 */
import * as path from "node:path";
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { CrucibleError } from "../errors.ts";
import { formatBytes, PRIVATE_DIR, privatePath } from "../kiln/mod.ts";

/** What an audit event records. */
export type AuditKind =
  | "invocation.start"
  | "invocation.end"
  | "capability"
  | "security"
  | "approval"
  | "install";

/** One line of the audit log. Every field is JSON-compatible. */
export interface AuditEvent {
  /** ISO time, added by {@link AuditLog.record}. */
  ts: string;
  /** What happened. */
  kind: AuditKind;
  /** Invocation id (a UUID) shared by every event of one invocation. */
  invocation: string;
  /** Plugin name. */
  plugin: string;
  /** Plugin version. */
  version?: string;
  /** Plugin content hash. */
  hash?: string;
  /** Who asked for the invocation. */
  invoker?: { kind: "user" | "agent" | "plugin"; name?: string };
  /** SHA-256 hex of the canonical JSON of the parameters (start); see {@link paramsDigest}. */
  paramsDigest?: string;
  /** Wall-clock duration in milliseconds (end). */
  durationMs?: number;
  /** How the invocation ended (end). */
  status?: "ok" | "error";
  /** The error, when status is error (end). */
  error?: { code: string; message: string };
  /** Capability use: the binding used, e.g. `read_note`. */
  binding?: string;
  /** Capability use: the capability as displayed, e.g. `KilnRead`, `NetworkHttps(api.x.org)`. */
  capability?: string;
  /** Capability use: the path or host touched. */
  target?: string;
  /** Capability use: allowed or refused. */
  granted?: boolean;
  /** Set on security events (always) and refused capability uses. */
  priority?: "high";
  /** Security / approval: human text. */
  message?: string;
  /** Approval: once | always | deny | timeout | trusted | remembered | flag | yes | non-interactive. */
  decision?: string;
}

/**
 * When appends are forced to disk (fdatasync). `"important"` (the default) syncs invocation ends,
 * approvals, security events and refused capability uses; since a sync flushes the whole file,
 * the granted capability uses of an invocation reach the disk with its end. `"all"` syncs every
 * line, `"none"` leaves it to the operating system. Every mode survives a crash of cru itself.
 */
export type AuditSync = "all" | "important" | "none";

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /** Days of files kept before today; older files are deleted. Default 30. */
  retentionDays?: number;
  /** The clock; tests inject one. Default `() => new Date()`. */
  now?: () => Date;
  /** When appends are synced to disk. Default `"important"`. */
  sync?: AuditSync;
  /**
   * The folder the log must stay inside (a kiln root; set by {@link AuditLog.forKiln}). Every
   * folder between it and the log's must be a real folder, never a symbolic link, and the day
   * file a plain file: a kiln may come from someone else, and a planted link must not make cru
   * append to (or rotate, or delete) files outside it.
   */
  within?: string;
}

/** Which events {@link AuditLog.read} returns. */
export interface AuditFilter {
  /** Only this plugin's events. */
  plugin?: string;
  /** Only events at or after this time. */
  since?: Date;
  /** Only high-priority events: security events and refused capability uses. */
  security?: boolean;
  /** Only this invocation's events. */
  invocation?: string;
  /** Only the most recent N matching events (still returned oldest first). */
  limit?: number;
}

/** Events read from an audit folder, and what had to be skipped on the way. */
export interface AuditReadResult {
  /** Matching events, oldest first. */
  events: AuditEvent[];
  /** One line per unreadable file or file with malformed lines. */
  warnings: string[];
}

/** The audit folder cannot be created or written. */
export class AuditError extends CrucibleError {
  /** @param message what could not be written and how to fix it */
  constructor(message: string, options?: ErrorOptions) {
    super("E_AUDIT", message, options);
  }
}

const KINDS: ReadonlySet<string> = new Set<AuditKind>([
  "invocation.start",
  "invocation.end",
  "capability",
  "security",
  "approval",
  "install",
]);
const FILE = /^audit-(\d{4}-\d{2}-\d{2})\.jsonl(\.gz)?$/;
const TEMP = /^\.audit-.*\.tmp$/;
const DAY_MS = 86_400_000;
const NEWLINE = 0x0a;
const encoder = new TextEncoder();

/** The audit folder of a kiln: `<kiln>/.crucible/audit`. */
export function auditDir(kilnRoot: string): string {
  return path.join(kilnRoot, PRIVATE_DIR, "audit");
}

/**
 * The audit folder of a kiln for reading it back, refused (`E_PATH`) when it or `.crucible/` is a
 * symlink a shared kiln planted. (Writers check the folder themselves and fail with `E_AUDIT`.)
 */
export function checkedAuditDir(kilnRoot: string): string {
  return privatePath(kilnRoot, "audit");
}

/**
 * SHA-256 hex of the canonical JSON of `params`: object keys sorted (by UTF-16 code units, as in
 * RFC 8785) at every depth, no whitespace, so equal parameters give equal digests whatever their
 * key order.
 *
 * @example
 * ```ts
 * import { paramsDigest } from "./audit.ts";
 * paramsDigest({ a: 1, b: [2] }) === paramsDigest({ b: [2], a: 1 }); // true
 * ```
 */
export function paramsDigest(params: unknown): string {
  return createHash("sha256").update(canonicalJson(params) ?? "null").digest("hex");
}

/** JSON.stringify with sorted keys; undefined where JSON.stringify would omit the value. */
function canonicalJson(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") {
    if (typeof value === "function" || typeof value === "symbol") return undefined;
    if (typeof value === "bigint") return value.toString();
    return JSON.stringify(value);
  }
  const v = value as { toJSON?: () => unknown };
  if (typeof v.toJSON === "function") return canonicalJson(v.toJSON());
  if (Array.isArray(value)) return `[${value.map((x) => canonicalJson(x) ?? "null").join(",")}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const item = canonicalJson((value as Record<string, unknown>)[key]);
    if (item !== undefined) parts.push(`${JSON.stringify(key)}:${item}`);
  }
  return `{${parts.join(",")}}`;
}

/** Refused capability uses and security events are high priority whatever the line says. */
function isHighPriority(e: AuditEvent): boolean {
  return e.priority === "high" || e.kind === "security" ||
    (e.kind === "capability" && e.granted === false);
}

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function dayNumber(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An append-only audit log in one folder. Holds no open files between records. */
export class AuditLog {
  /** The folder holding the day files. */
  readonly dir: string;
  /**
   * Problems rotation or retention met (a file that could not be gzipped or deleted). They never
   * stop a record; the file is retried when the day next changes or the log is next opened.
   */
  readonly warnings: string[] = [];
  #retentionDays: number;
  #now: () => Date;
  #sync: AuditSync;
  /** The day whose file is ready for appends (folder made, rotation done, tail checked). */
  #day: string | null = null;
  #maintainedDay: string | null = null;
  #within: string | null;

  /** Open the log in `dir`; when the folder exists, rotation and retention run now. */
  constructor(dir: string, options: AuditLogOptions = {}) {
    const retentionDays = options.retentionDays ?? 30;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new RangeError(`retentionDays must be a positive whole number, got ${retentionDays}`);
    }
    this.dir = dir;
    this.#retentionDays = retentionDays;
    this.#now = options.now ?? (() => new Date());
    this.#sync = options.sync ?? "important";
    this.#within = options.within === undefined ? null : path.resolve(options.within);
    if (isDirectory(dir) && this.#placeProblem() === null) {
      const today = utcDay(this.#now());
      this.#maintain(today);
      this.#maintainedDay = today;
    }
  }

  /** The log of a kiln, in `<kiln>/.crucible/audit`. */
  static forKiln(kilnRoot: string, options: AuditLogOptions = {}): AuditLog {
    return new AuditLog(auditDir(kilnRoot), { within: kilnRoot, ...options });
  }

  /**
   * Append one event, stamped with the clock's time, and return it as written. Security events
   * and refused capability uses get `priority: "high"`. Throws {@link AuditError} when the folder
   * or file cannot be written: an invocation must not go on unaudited.
   */
  record(event: Omit<AuditEvent, "ts">): AuditEvent {
    const at = this.#now();
    const day = utcDay(at);
    const file = path.join(this.dir, `audit-${day}.jsonl`);
    if (day !== this.#day) this.#open(day, file);
    const full = { ts: at.toISOString() } as AuditEvent;
    for (const [key, value] of Object.entries(event)) {
      if (key !== "ts" && value !== undefined) {
        (full as unknown as Record<string, unknown>)[key] = value;
      }
    }
    if (isHighPriority(full)) full.priority = "high";
    const important = full.kind !== "invocation.start" && !(full.kind === "capability" &&
      full.granted === true);
    const sync = this.#sync === "all" || (this.#sync === "important" && important);
    const line = encoder.encode(JSON.stringify(full) + "\n");
    try {
      checkDayFile(file);
      append(file, line, sync);
    } catch (e) {
      // The folder was removed while the log was open: make it again, once.
      if (!(e instanceof AuditError && e.cause instanceof Deno.errors.NotFound)) throw e;
      this.#open(day, file);
      checkDayFile(file);
      append(file, line, sync);
    }
    return full;
  }

  /** Read events from `dir` (plain and gzipped files), oldest first; warnings go to console.warn. */
  static read(dir: string, filter: AuditFilter = {}): AuditEvent[] {
    const { events, warnings } = AuditLog.readWithWarnings(dir, filter);
    for (const w of warnings) console.warn(`audit log: ${w}`);
    return events;
  }

  /**
   * Read events like {@link AuditLog.read}, returning the warnings instead of printing them. A
   * missing folder is an empty log; an unreadable file or a malformed line is skipped.
   */
  static readWithWarnings(dir: string, filter: AuditFilter = {}): AuditReadResult {
    const warnings: string[] = [];
    let files: { name: string; day: string; gz: boolean }[] = [];
    try {
      for (const entry of Deno.readDirSync(dir)) {
        const m = entry.isFile ? FILE.exec(entry.name) : null;
        if (m) files.push({ name: entry.name, day: m[1], gz: m[2] !== undefined });
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        warnings.push(`cannot list ${dir}: ${message(e)}`);
      }
      return { events: [], warnings };
    }
    // A day's .gz holds older lines than a .jsonl of the same day written after rotation.
    files.sort((a, b) => a.day < b.day ? -1 : a.day > b.day ? 1 : Number(b.gz) - Number(a.gz));
    const since = filter.since?.getTime();
    if (filter.since) files = files.filter((f) => f.day >= utcDay(filter.since!));
    const matches = (e: AuditEvent) =>
      (filter.plugin === undefined || e.plugin === filter.plugin) &&
      (filter.invocation === undefined || e.invocation === filter.invocation) &&
      (!filter.security || isHighPriority(e)) &&
      (since === undefined || Date.parse(e.ts) >= since);
    const chunks: AuditEvent[][] = [];
    const fileWarnings: string[][] = [];
    let count = 0;
    // Newest file first, so a limit stops reading once enough recent events are found.
    for (let i = files.length - 1; i >= 0; i--) {
      const problems: string[] = [];
      const found = readFile(path.join(dir, files[i].name), files[i].gz, problems).filter(matches);
      chunks.unshift(found);
      fileWarnings.unshift(problems);
      count += found.length;
      if (filter.limit !== undefined && count >= filter.limit) break;
    }
    warnings.push(...fileWarnings.flat());
    const events = chunks.flat()
      .map((e, i) => ({ e, i, t: Date.parse(e.ts) }))
      .sort((a, b) => a.t - b.t || a.i - b.i)
      .map((x) => x.e);
    return {
      events: filter.limit !== undefined
        ? events.slice(Math.max(0, events.length - filter.limit))
        : events,
      warnings,
    };
  }

  #open(day: string, file: string): void {
    if (this.#within !== null) this.#makePlace();
    else if (!isDirectory(this.dir)) this.#createDir();
    checkDayFile(file);
    if (this.#maintainedDay !== day) {
      this.#maintain(day);
      this.#maintainedDay = day;
    }
    closeTornLine(file);
    this.#day = day;
  }

  /** The folders from `within` down to the log's, or null when the log is not inside it. */
  #steps(): string[] | null {
    const rel = path.relative(this.#within!, path.resolve(this.dir));
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return null;
    const out: string[] = [];
    let at = this.#within!;
    for (const part of rel.split(path.sep)) out.push(at = path.join(at, part));
    return out;
  }

  /** Why the log's folder cannot be used as it stands (a link, a file), or null. */
  #placeProblem(): string | null {
    if (this.#within === null) return null;
    const steps = this.#steps();
    if (steps === null) return `the audit folder ${this.dir} is not inside ${this.#within}`;
    for (const step of steps) {
      let info: Deno.FileInfo;
      try {
        info = Deno.lstatSync(step);
      } catch {
        return null; // missing: made when the first event is recorded
      }
      if (info.isSymlink) {
        return `${step} is a symbolic link; the audit log is never written through a link ` +
          `(it could lead outside the kiln): remove the link and run again, and cru makes ` +
          `a real folder in its place`;
      }
      if (!info.isDirectory) {
        return `${step} is not a folder; move that file away and run again, and cru makes ` +
          `the folder`;
      }
    }
    return null;
  }

  /** Check every folder down to the log's and make the missing ones; throws AuditError. */
  #makePlace(): void {
    const problem = this.#placeProblem();
    if (problem !== null) {
      throw new AuditError(`cannot use the audit folder ${this.dir}: ${problem}`);
    }
    const steps = this.#steps()!;
    for (const step of steps) {
      if (isRealDirectory(step)) continue;
      try {
        // Only the audit folder itself is private; .crucible/ is shared with the rest of cru.
        Deno.mkdirSync(step, step === steps[steps.length - 1] ? { mode: 0o700 } : {});
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists && isRealDirectory(step)) continue;
        throw new AuditError(
          `cannot create the audit folder ${this.dir}: ${message(e)}; make sure the kiln's ` +
            `.crucible folder is a writable folder`,
          { cause: e },
        );
      }
    }
  }

  #createDir(): void {
    try {
      Deno.mkdirSync(path.dirname(this.dir), { recursive: true });
      // Only the audit folder itself is private; .crucible/ is shared with the rest of cru.
      Deno.mkdirSync(this.dir, { mode: 0o700 });
    } catch (e) {
      // Another process made it first.
      if (e instanceof Deno.errors.AlreadyExists && isDirectory(this.dir)) return;
      throw new AuditError(
        `cannot create the audit folder ${this.dir}: ${message(e)}; make sure the kiln's ` +
          `.crucible folder is writable`,
        { cause: e },
      );
    }
  }

  /** Gzip plain files of earlier days, delete files past retention and stale temp files. */
  #maintain(today: string): void {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(this.dir)];
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        this.warnings.push(`cannot list ${this.dir}: ${message(e)}`);
      }
      return;
    }
    const todayNumber = dayNumber(today);
    for (const entry of entries) {
      if (!entry.isFile) continue;
      const file = path.join(this.dir, entry.name);
      const m = FILE.exec(entry.name);
      if (m === null) {
        if (TEMP.test(entry.name)) removeStaleTemp(file);
        continue;
      }
      const age = todayNumber - dayNumber(m[1]);
      if (age > this.#retentionDays) {
        try {
          Deno.removeSync(file);
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) {
            this.warnings.push(`cannot delete expired ${file}: ${message(e)}`);
          }
        }
      } else if (age > 0 && m[2] === undefined) {
        const problem = archive(this.dir, m[1]);
        if (problem !== null) this.warnings.push(problem);
      }
    }
  }
}

function isRealDirectory(p: string): boolean {
  try {
    return Deno.lstatSync(p).isDirectory;
  } catch {
    return false;
  }
}

/**
 * The day's file must be a plain file with one name (or not exist yet): appending through a
 * planted symbolic link or hard link would write into a file outside the audit folder.
 */
function checkDayFile(file: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(file);
  } catch {
    return;
  }
  if (!info.isFile || (info.nlink !== null && info.nlink > 1)) {
    const what = info.isSymlink
      ? "a symbolic link"
      : info.isFile
      ? "a file with other names (a hard link)"
      : "not a file";
    throw new AuditError(
      `cannot append to the audit log ${file}: it is ${what}, and the audit log is only ` +
        `written to its own plain files; remove it and run again`,
    );
  }
}

function isDirectory(p: string): boolean {
  try {
    return Deno.statSync(p).isDirectory;
  } catch {
    return false;
  }
}

/** Append one line in one write (looping only if the OS writes part of it). */
function append(file: string, line: Uint8Array, sync: boolean): void {
  let handle: Deno.FsFile | undefined;
  try {
    handle = Deno.openSync(file, { append: true, create: true, mode: 0o600 });
    let written = 0;
    while (written < line.length) written += handle.writeSync(line.subarray(written));
    if (sync) handle.syncDataSync();
  } catch (e) {
    throw new AuditError(
      `cannot append to the audit log ${file}: ${message(e)}; make sure the kiln's .crucible ` +
        `folder is writable`,
      { cause: e },
    );
  } finally {
    handle?.close();
  }
}

/** A crash mid-append can leave a line without its newline; end it so the next line is whole. */
function closeTornLine(file: string): void {
  let handle: Deno.FsFile | undefined;
  try {
    handle = Deno.openSync(file, { read: true, append: true });
    const size = handle.statSync().size;
    if (size === 0) return;
    handle.seekSync(size - 1, Deno.SeekMode.Start);
    const last = new Uint8Array(1);
    handle.readSync(last);
    if (last[0] !== NEWLINE) handle.writeSync(new Uint8Array([NEWLINE]));
  } catch {
    // No file yet, or unreadable: the append itself reports real problems.
  } finally {
    handle?.close();
  }
}

/**
 * Gzip `audit-<day>.jsonl` to `audit-<day>.jsonl.gz` atomically. When a .gz already exists (a
 * late append after rotation, or a crash between rename and remove) the lines are merged rather
 * than overwritten. Returns a warning, or null.
 */
function archive(dir: string, day: string): string | null {
  const plain = path.join(dir, `audit-${day}.jsonl`);
  const gz = `${plain}.gz`;
  const temp = path.join(dir, `.audit-${day}.jsonl.gz.${crypto.randomUUID()}.tmp`);
  try {
    let data: Uint8Array = readDay(plain, false);
    if (data.length > 0 && data[data.length - 1] !== NEWLINE) data = concat(data, [NEWLINE]);
    let existing: Uint8Array | null = null;
    try {
      existing = readDay(gz, true);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        // Never overwrite an archive we cannot read: it may be the only copy of those lines.
        return `cannot archive ${plain}: ${gz} exists but cannot be read (${message(e)})`;
      }
    }
    if (existing === null || !sameBytes(existing, data)) {
      const content = existing === null ? data : concat(existing, data);
      const handle = Deno.openSync(temp, { write: true, createNew: true, mode: 0o600 });
      try {
        const bytes = gzipSync(content);
        let written = 0;
        while (written < bytes.length) written += handle.writeSync(bytes.subarray(written));
        handle.syncSync();
      } finally {
        handle.close();
      }
      Deno.renameSync(temp, gz);
    }
    Deno.removeSync(plain);
    return null;
  } catch (e) {
    try {
      Deno.removeSync(temp);
    } catch { /* not created */ }
    // Another process archiving the same day got there first.
    if (e instanceof Deno.errors.NotFound) return null;
    return `cannot archive ${plain}: ${message(e)}`;
  }
}

/** Temp files of an archive interrupted by a crash; an hour leaves any live writer alone. */
function removeStaleTemp(file: string): void {
  try {
    const mtime = Deno.statSync(file).mtime?.getTime() ?? 0;
    if (Date.now() - mtime > 3_600_000) Deno.removeSync(file);
  } catch { /* gone already */ }
}

function concat(a: Uint8Array, b: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Most bytes one day's file may hold (inflated, for a .gz). The folder may have been shared with
 * the kiln: a small planted gzip bomb must not make cru inflate gigabytes.
 */
const MAX_DAY_BYTES = 128 * 1024 * 1024;

/**
 * The bytes of one day's file (inflated when `gz`). Only a regular file is read — a planted link
 * to a device such as /dev/zero would never end — and never more than {@link MAX_DAY_BYTES}.
 */
function readDay(file: string, gz: boolean): Uint8Array {
  const info = Deno.lstatSync(file);
  if (!info.isFile) throw new Error("it is not a regular file (a link or a device?)");
  if (info.size > MAX_DAY_BYTES) {
    throw new Error(`it is larger than ${formatBytes(MAX_DAY_BYTES)}`);
  }
  const bytes = Deno.readFileSync(file);
  if (!gz) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_DAY_BYTES });
  } catch (e) {
    if (e instanceof RangeError) {
      throw new Error(`it inflates to more than ${formatBytes(MAX_DAY_BYTES)}`);
    }
    throw e;
  }
}

/** Parse one file; unreadable files and malformed lines become warnings. */
function readFile(file: string, gz: boolean, warnings: string[]): AuditEvent[] {
  let text: string;
  try {
    text = new TextDecoder().decode(readDay(file, gz));
  } catch (e) {
    // Archived between listing and reading: the .gz was listed too, or will be next time.
    if (!(e instanceof Deno.errors.NotFound)) {
      warnings.push(`cannot read ${file}: ${message(e)}; skipped`);
    }
    return [];
  }
  const events: AuditEvent[] = [];
  const bad: number[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(lines[i]);
    } catch {
      value = null;
    }
    if (isAuditEvent(value)) {
      // Lines from an older or foreign writer may lack the field; readers rely on it.
      if (isHighPriority(value)) value.priority = "high";
      events.push(value);
    } else {
      bad.push(i + 1);
    }
  }
  if (bad.length > 0) {
    const which = bad.length === 1 ? `line ${bad[0]}` : `${bad.length} lines (first ${bad[0]})`;
    warnings.push(`${file}: skipped malformed ${which}`);
  }
  return events;
}

function isAuditEvent(v: unknown): v is AuditEvent {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  return typeof e.ts === "string" && !Number.isNaN(Date.parse(e.ts)) &&
    typeof e.kind === "string" && KINDS.has(e.kind) &&
    typeof e.invocation === "string" && typeof e.plugin === "string";
}
