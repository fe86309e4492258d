/**
 * The audit log on real temporary folders: appends, reading back (plain and gzipped), filters,
 * daily rotation and retention under an injected clock, damaged files, and the params digest.
 */
import { deepStrictEqual, match, ok, strictEqual, throws } from "node:assert/strict";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  auditDir,
  AuditError,
  type AuditEvent,
  AuditLog,
  paramsDigest,
} from "../../src/security/audit.ts";
import { tempKiln } from "../helpers.ts";

/** A clock the test moves by hand. */
function clock(start: string) {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set(iso: string) {
      current = new Date(iso);
    },
  };
}

function tempDir(): { path: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "cru-audit-" });
  return {
    path: dir,
    [Symbol.dispose]() {
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

function files(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

function lines(file: string): string[] {
  const bytes = Deno.readFileSync(file);
  const text = new TextDecoder().decode(file.endsWith(".gz") ? gunzipSync(bytes) : bytes);
  return text.split("\n").filter((l) => l !== "");
}

/** A line as another process or an older cru would have written it. */
function line(ts: string, plugin = "dice-roller", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ts, kind: "invocation.start", invocation: "i-" + ts, plugin, ...extra }) +
    "\n";
}

const INV = "0b6c3f5e-6a57-4b8e-9f2a-2f7d8a1c9e10";

Deno.test("recorded events read back equal to what record returned, one JSON line each", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  const c = clock("2026-11-20T08:00:00.000Z");
  const log = new AuditLog(dir, { now: c.now });
  const start = log.record({
    kind: "invocation.start",
    invocation: INV,
    plugin: "dice-roller",
    version: "1.2.0",
    hash: "3f2a",
    invoker: { kind: "agent", name: "claude" },
    paramsDigest: paramsDigest({ sides: 20 }),
    message: undefined,
  });
  c.set("2026-11-20T08:00:00.250Z");
  const use = log.record({
    kind: "capability",
    invocation: INV,
    plugin: "dice-roller",
    binding: "read_note",
    capability: "KilnRead",
    target: "campaign/Home.md",
    granted: true,
  });
  c.set("2026-11-20T08:00:01.000Z");
  const end = log.record({
    kind: "invocation.end",
    invocation: INV,
    plugin: "dice-roller",
    status: "error",
    durationMs: 1000,
    error: { code: "E_TIMEOUT", message: "ran for more than 1 s" },
  });

  strictEqual(start.ts, "2026-11-20T08:00:00.000Z");
  ok(!("message" in start), "undefined fields are not written");
  strictEqual(use.priority, undefined);
  deepStrictEqual(AuditLog.read(dir), [start, use, end]);
  deepStrictEqual(files(dir), ["audit-2026-11-20.jsonl"]);
  const written = lines(path.join(dir, "audit-2026-11-20.jsonl"));
  strictEqual(written.length, 3);
  deepStrictEqual(JSON.parse(written[2]), end);
});

Deno.test("forKiln writes under .crucible/audit, and opening a log creates nothing", () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const dir = auditDir(kiln.root);
  strictEqual(dir, path.join(kiln.root, ".crucible", "audit"));
  const log = AuditLog.forKiln(kiln.root, { now: () => new Date("2026-11-20T08:00:00Z") });
  deepStrictEqual(files(kiln.root), ["a.md"]);
  log.record({ kind: "security", invocation: INV, plugin: "p", message: "m" });
  deepStrictEqual(files(dir), ["audit-2026-11-20.jsonl"]);
  // The log names what plugins touched: only the owner may read it.
  strictEqual(Deno.statSync(dir).mode! & 0o077, 0);
  strictEqual(Deno.statSync(path.join(dir, "audit-2026-11-20.jsonl")).mode! & 0o077, 0);
});

Deno.test("filters select by plugin, invocation, time, priority, and limit keeps the newest", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  const c = clock("2026-11-18T12:00:00Z");
  const log = new AuditLog(dir, { now: c.now });
  const rec = (at: string, e: Omit<AuditEvent, "ts">) => {
    c.set(at);
    return log.record(e);
  };
  const a1 = rec("2026-11-18T12:00:00Z", {
    kind: "invocation.start",
    invocation: "a",
    plugin: "p",
  });
  const a2 = rec("2026-11-18T12:00:01Z", {
    kind: "capability",
    invocation: "a",
    plugin: "p",
    binding: "http_get",
    capability: "NetworkHttps(evil.example)",
    target: "evil.example",
    granted: false,
  });
  const b1 = rec("2026-11-19T09:00:00Z", {
    kind: "invocation.start",
    invocation: "b",
    plugin: "q",
  });
  const b2 = rec("2026-11-19T09:00:02Z", {
    kind: "approval",
    invocation: "b",
    plugin: "q",
    capability: "KilnWrite",
    decision: "once",
  });
  const a3 = rec("2026-11-20T07:00:00Z", {
    kind: "security",
    invocation: "a",
    plugin: "p",
    message: "tried to read .crucible/config.yaml",
  });
  const b3 = rec("2026-11-20T08:00:00Z", {
    kind: "invocation.end",
    invocation: "b",
    plugin: "q",
    status: "ok",
    durationMs: 5,
  });

  deepStrictEqual(AuditLog.read(dir), [a1, a2, b1, b2, a3, b3]);
  deepStrictEqual(AuditLog.read(dir, { plugin: "p" }), [a1, a2, a3]);
  deepStrictEqual(AuditLog.read(dir, { invocation: "b" }), [b1, b2, b3]);
  deepStrictEqual(AuditLog.read(dir, { security: true }), [a2, a3]);
  deepStrictEqual(AuditLog.read(dir, { since: new Date("2026-11-19T09:00:01Z") }), [b2, a3, b3]);
  deepStrictEqual(AuditLog.read(dir, { limit: 3 }), [b2, a3, b3]);
  deepStrictEqual(AuditLog.read(dir, { limit: 100 }), [a1, a2, b1, b2, a3, b3]);
  deepStrictEqual(AuditLog.read(dir, { plugin: "q", limit: 2 }), [b2, b3]);
  deepStrictEqual(AuditLog.read(dir, { plugin: "nobody" }), []);
});

Deno.test("security events and refused capability uses are always high priority", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  const log = new AuditLog(dir);
  const sec = log.record({ kind: "security", invocation: INV, plugin: "p", message: "escape" });
  const refused = log.record({
    kind: "capability",
    invocation: INV,
    plugin: "p",
    binding: "write_note",
    capability: "KilnWrite",
    target: "a.md",
    granted: false,
  });
  const allowed = log.record({
    kind: "capability",
    invocation: INV,
    plugin: "p",
    binding: "read_note",
    capability: "KilnRead",
    target: "a.md",
    granted: true,
  });
  strictEqual(sec.priority, "high");
  strictEqual(refused.priority, "high");
  strictEqual(allowed.priority, undefined);
  deepStrictEqual(AuditLog.read(dir, { security: true }), [sec, refused]);
  // Lines written without the field (by hand, or by an older cru) are still selected.
  Deno.writeTextFileSync(
    path.join(dir, "audit-2000-01-01.jsonl"),
    JSON.stringify({ ts: "2000-01-01T00:00:00Z", kind: "security", invocation: "x", plugin: "p" }) +
      "\n",
  );
  const read = AuditLog.read(dir, { security: true });
  strictEqual(read.length, 3);
  strictEqual(read[0].priority, "high");
});

Deno.test("an audit folder removed while the log is open is made again", () => {
  using tmp = tempDir();
  const dir = path.join(tmp.path, "audit");
  const log = new AuditLog(dir);
  log.record({ kind: "invocation.start", invocation: INV, plugin: "p" });
  Deno.removeSync(dir, { recursive: true });
  const end = log.record({ kind: "invocation.end", invocation: INV, plugin: "p", status: "ok" });
  deepStrictEqual(AuditLog.read(dir), [end]);
});

Deno.test("a new day gzips the previous day's file, which stays readable", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  const c = clock("2026-11-20T23:59:59Z");
  const log = new AuditLog(dir, { now: c.now });
  const day1 = log.record({ kind: "invocation.start", invocation: "1", plugin: "p" });
  const day1b = log.record({ kind: "invocation.end", invocation: "1", plugin: "p", status: "ok" });
  const before = lines(path.join(dir, "audit-2026-11-20.jsonl"));
  c.set("2026-11-21T00:00:01Z");
  const day2 = log.record({ kind: "invocation.start", invocation: "2", plugin: "p" });

  deepStrictEqual(files(dir), ["audit-2026-11-20.jsonl.gz", "audit-2026-11-21.jsonl"]);
  deepStrictEqual(lines(path.join(dir, "audit-2026-11-20.jsonl.gz")), before);
  deepStrictEqual(AuditLog.read(dir), [day1, day1b, day2]);
  deepStrictEqual(AuditLog.read(dir, { since: new Date("2026-11-21T00:00:00Z") }), [day2]);
});

Deno.test("opening a log rotates earlier days without any record", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  Deno.writeTextFileSync(path.join(dir, "audit-2026-11-19.jsonl"), line("2026-11-19T10:00:00Z"));
  Deno.writeTextFileSync(path.join(dir, "audit-2026-11-20.jsonl"), line("2026-11-20T10:00:00Z"));
  const log = new AuditLog(dir, { now: () => new Date("2026-11-20T12:00:00Z") });
  deepStrictEqual(files(dir), ["audit-2026-11-19.jsonl.gz", "audit-2026-11-20.jsonl"]);
  deepStrictEqual(log.warnings, []);
  deepStrictEqual(AuditLog.read(dir).map((e) => e.ts), [
    "2026-11-19T10:00:00Z",
    "2026-11-20T10:00:00Z",
  ]);
});

Deno.test("rotation merges lines appended after an earlier rotation and never duplicates", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  const plain = path.join(dir, "audit-2026-11-19.jsonl");
  // Late lines: another process appended to yesterday's file after it was archived.
  Deno.writeFileSync(
    `${plain}.gz`,
    gzipSync(new TextEncoder().encode(line("2026-11-19T10:00:00Z"))),
  );
  Deno.writeTextFileSync(plain, line("2026-11-19T23:59:59Z"));
  new AuditLog(dir, { now: () => new Date("2026-11-20T00:00:05Z") });
  deepStrictEqual(files(dir), ["audit-2026-11-19.jsonl.gz"]);
  deepStrictEqual(AuditLog.read(dir).map((e) => e.ts), [
    "2026-11-19T10:00:00Z",
    "2026-11-19T23:59:59Z",
  ]);

  // A crash between the rename and the removal leaves both files with the same lines.
  const archived = Deno.readFileSync(`${plain}.gz`);
  Deno.writeFileSync(plain, gunzipSync(archived));
  new AuditLog(dir, { now: () => new Date("2026-11-20T00:00:06Z") });
  deepStrictEqual(files(dir), ["audit-2026-11-19.jsonl.gz"]);
  strictEqual(AuditLog.read(dir).length, 2);
});

Deno.test("retention deletes plain and gzipped files older than retentionDays and keeps the rest", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  const days = ["2026-11-01", "2026-11-15", "2026-11-16", "2026-11-17", "2026-11-20"];
  for (const d of days.slice(0, 2)) {
    Deno.writeFileSync(
      path.join(dir, `audit-${d}.jsonl.gz`),
      gzipSync(new TextEncoder().encode(line(`${d}T10:00:00Z`))),
    );
  }
  for (const d of days.slice(2)) {
    Deno.writeTextFileSync(path.join(dir, `audit-${d}.jsonl`), line(`${d}T10:00:00Z`));
  }
  Deno.writeTextFileSync(path.join(dir, "notes.txt"), "not ours\n");
  const c = clock("2026-11-20T12:00:00Z");
  const log = new AuditLog(dir, { retentionDays: 4, now: c.now });
  // 2026-11-16 is exactly 4 days old: kept (and gzipped); the 15th and the 1st are deleted.
  deepStrictEqual(files(dir), [
    "audit-2026-11-16.jsonl.gz",
    "audit-2026-11-17.jsonl.gz",
    "audit-2026-11-20.jsonl",
    "notes.txt",
  ]);
  c.set("2026-11-22T00:00:00Z");
  log.record({ kind: "invocation.start", invocation: "x", plugin: "p" });
  deepStrictEqual(files(dir), [
    "audit-2026-11-20.jsonl.gz",
    "audit-2026-11-22.jsonl",
    "notes.txt",
  ]);
});

Deno.test("a torn last line is skipped with a warning and the next append starts a new line", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  const file = path.join(dir, "audit-2026-11-20.jsonl");
  Deno.writeTextFileSync(
    file,
    line("2026-11-20T10:00:00Z") + '{"ts":"2026-11-20T10:00:01Z","kind":"capab',
  );
  const torn = AuditLog.readWithWarnings(dir);
  deepStrictEqual(torn.events.map((e) => e.ts), ["2026-11-20T10:00:00Z"]);
  strictEqual(torn.warnings.length, 1);
  match(torn.warnings[0], /audit-2026-11-20\.jsonl: skipped malformed line 2/);

  const log = new AuditLog(dir, { now: () => new Date("2026-11-20T11:00:00Z") });
  const next = log.record({ kind: "invocation.start", invocation: "n", plugin: "p" });
  const after = AuditLog.readWithWarnings(dir);
  deepStrictEqual(after.events.map((e) => e.ts), ["2026-11-20T10:00:00Z", next.ts]);
  strictEqual(after.warnings.length, 1, "only the torn fragment is lost");
});

Deno.test("an unreadable file is skipped with a warning; read() warns and never throws", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  Deno.writeTextFileSync(path.join(dir, "audit-2026-11-18.jsonl.gz"), "this is not gzip");
  Deno.writeTextFileSync(path.join(dir, "audit-2026-11-19.jsonl"), "[1,2]\nnot json\n{}\n");
  Deno.writeTextFileSync(path.join(dir, "audit-2026-11-20.jsonl"), line("2026-11-20T10:00:00Z"));
  const r = AuditLog.readWithWarnings(dir);
  deepStrictEqual(r.events.map((e) => e.ts), ["2026-11-20T10:00:00Z"]);
  strictEqual(r.warnings.length, 2);
  match(r.warnings[0], /cannot read .*audit-2026-11-18\.jsonl\.gz/);
  match(r.warnings[1], /audit-2026-11-19\.jsonl: skipped malformed 3 lines \(first 1\)/);

  const warned: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => warned.push(args.join(" "));
  try {
    strictEqual(AuditLog.read(dir).length, 1);
  } finally {
    console.warn = original;
  }
  strictEqual(warned.length, 2);
});

Deno.test("an unreadable archive is never overwritten by rotation", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  Deno.writeTextFileSync(path.join(dir, "audit-2026-11-19.jsonl.gz"), "damaged");
  Deno.writeTextFileSync(path.join(dir, "audit-2026-11-19.jsonl"), line("2026-11-19T10:00:00Z"));
  const log = new AuditLog(dir, { now: () => new Date("2026-11-20T10:00:00Z") });
  strictEqual(log.warnings.length, 1);
  match(log.warnings[0], /exists but cannot be read/);
  strictEqual(Deno.readTextFileSync(path.join(dir, "audit-2026-11-19.jsonl.gz")), "damaged");
  strictEqual(AuditLog.readWithWarnings(dir).events.length, 1);
});

Deno.test("a missing audit folder reads as an empty log", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  deepStrictEqual(AuditLog.readWithWarnings(path.join(dir, "nope")), { events: [], warnings: [] });
});

Deno.test("an audit folder that cannot be created is a clear AuditError", () => {
  using kiln = tempKiln({ ".crucible/audit": "a file where the folder should be" });
  const log = AuditLog.forKiln(kiln.root);
  throws(
    () => log.record({ kind: "invocation.start", invocation: INV, plugin: "p" }),
    (e: unknown) => {
      ok(e instanceof AuditError);
      strictEqual(e.code, "E_AUDIT");
      match(e.message, /cannot use the audit folder .*\.crucible\/audit: .*is not a folder; move/);
      return true;
    },
  );
  strictEqual(
    Deno.readTextFileSync(path.join(kiln.root, ".crucible/audit")),
    "a file where the folder should be",
  );
});

Deno.test("a bad retentionDays is refused", () => {
  using tmp = tempDir();
  const dir = tmp.path;
  throws(() => new AuditLog(dir, { retentionDays: 0 }), RangeError);
  throws(() => new AuditLog(dir, { retentionDays: 1.5 }), RangeError);
});

Deno.test("paramsDigest is the sha256 of canonical JSON, whatever the key order", () => {
  const a = { sides: 20, opts: { b: [1, { y: 2, x: 1 }], a: "z" }, none: undefined };
  const b = { opts: { a: "z", b: [1, { x: 1, y: 2 }] }, sides: 20 };
  strictEqual(paramsDigest(a), paramsDigest(b));
  strictEqual(
    paramsDigest(a),
    createHash("sha256").update('{"opts":{"a":"z","b":[1,{"x":1,"y":2}]},"sides":20}').digest(
      "hex",
    ),
  );
  match(paramsDigest(a), /^[0-9a-f]{64}$/);
  ok(paramsDigest({ list: [1, 2] }) !== paramsDigest({ list: [2, 1] }), "array order matters");
  ok(paramsDigest({ n: 1 }) !== paramsDigest({ n: "1" }));
  strictEqual(paramsDigest(null), paramsDigest(undefined));
});
