/**
 * `cru audit` run as a real subprocess on temporary kilns whose logs were written with AuditLog,
 * and the `--since` parser.
 */
import { deepStrictEqual, match, ok, strictEqual, throws } from "node:assert/strict";
import * as path from "node:path";
import { type AuditEvent, AuditLog } from "../../src/security/audit.ts";
import { parseSince } from "../../src/cli/audit.ts";
import { UsageError } from "../../src/cli/usage.ts";
import { runCru, runCruJson, tempKiln } from "../helpers.ts";

const A = "aaaaaaaa-1111-4111-8111-111111111111";
const B = "bbbbbbbb-2222-4222-8222-222222222222";

/** Write a small two-day history: day 1 is gzipped by the time day 2 is written. */
function writeHistory(kilnRoot: string): AuditEvent[] {
  let now = new Date("2026-11-19T10:00:00Z");
  const log = AuditLog.forKiln(kilnRoot, { now: () => now });
  const at = (iso: string, e: Omit<AuditEvent, "ts">) => {
    now = new Date(iso);
    return log.record(e);
  };
  return [
    at("2026-11-19T10:00:00Z", {
      kind: "invocation.start",
      invocation: A,
      plugin: "dice-roller",
      version: "1.0.0",
      invoker: { kind: "agent", name: "claude" },
      paramsDigest: "ab".repeat(32),
    }),
    at("2026-11-19T10:00:00.120Z", {
      kind: "capability",
      invocation: A,
      plugin: "dice-roller",
      binding: "read_note",
      capability: "KilnRead",
      target: "campaign/Home.md",
      granted: true,
    }),
    at("2026-11-19T10:00:00.300Z", {
      kind: "invocation.end",
      invocation: A,
      plugin: "dice-roller",
      status: "ok",
      durationMs: 300,
    }),
    at("2026-11-20T09:00:00Z", {
      kind: "approval",
      invocation: B,
      plugin: "citations",
      capability: "NetworkHttps(api.crossref.org)",
      decision: "deny",
    }),
    at("2026-11-20T09:00:01Z", {
      kind: "capability",
      invocation: B,
      plugin: "citations",
      binding: "http_get",
      capability: "NetworkHttps(api.crossref.org)",
      target: "api.crossref.org",
      granted: false,
    }),
    at("2026-11-20T09:00:02Z", {
      kind: "security",
      invocation: B,
      plugin: "citations",
      message: "tried to read .crucible/config.yaml",
    }),
    at("2026-11-20T09:00:03Z", {
      kind: "invocation.end",
      invocation: B,
      plugin: "citations",
      status: "error",
      durationMs: 2500,
      error: { code: "E_CAPABILITY", message: "NetworkHttps was not granted" },
    }),
  ];
}

Deno.test("cru audit prints one line per event, oldest first, with each kind's details", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  writeHistory(kiln.root);
  ok(Deno.statSync(path.join(kiln.root, ".crucible/audit/audit-2026-11-19.jsonl.gz")).isFile);
  const r = await runCru(["--kiln", kiln.root, "audit"]);
  strictEqual(r.code, 0, r.stderr);
  strictEqual(r.stderr, "");
  const lines = r.stdout.trimEnd().split("\n");
  strictEqual(lines.length, 7);
  match(lines[0], /^ {2}2026-11-19T10:00:00Z {2}invocation\.start +dice-roller +aaaaaaaa/);
  match(lines[0], /v1\.0\.0 +by agent claude +params abababababab$/);
  match(lines[1], /capability +dice-roller .*read_note +KilnRead +campaign\/Home\.md +granted$/);
  match(lines[2], /invocation\.end +dice-roller .* ok +300 ms$/);
  match(lines[3], /^ {2}2026-11-20T09:00:00Z {2}approval +citations +bbbbbbbb .*deny$/);
  match(lines[4], /^! .*capability +citations .*http_get .*api\.crossref\.org +DENIED$/);
  match(lines[5], /^! .*security +citations .*tried to read \.crucible\/config\.yaml$/);
  match(lines[6], /error +2\.50 s +E_CAPABILITY: NetworkHttps was not granted$/);
});

Deno.test("cru audit --json prints the events, and the filters narrow them", async () => {
  using kiln = tempKiln();
  const all = writeHistory(kiln.root);
  const json = async (...args: string[]) => {
    const r = await runCruJson<AuditEvent[]>(["--kiln", kiln.root, "audit", ...args]);
    strictEqual(r.code, 0, r.stderr);
    return r.json;
  };
  deepStrictEqual(await json(), all);
  deepStrictEqual(await json("--plugin", "dice-roller"), all.slice(0, 3));
  deepStrictEqual(await json("--security"), [all[4], all[5]]);
  deepStrictEqual(await json("--limit", "2"), all.slice(5));
  deepStrictEqual(await json("--since", "2026-11-20"), all.slice(3));
  deepStrictEqual(await json("--since", "2026-11-20T09:00:01.500Z", "--plugin", "citations"), [
    all[5],
    all[6],
  ]);
  deepStrictEqual(await json("--invocation", A, "--limit", "1"), [all[2]]);
});

Deno.test("cru audit --since accepts a time ago, and finds the kiln from CRUCIBLE_KILN", async () => {
  using kiln = tempKiln();
  const real = Date.now();
  let now = new Date(real - 3 * 86_400_000);
  const log = AuditLog.forKiln(kiln.root, { now: () => now });
  log.record({ kind: "invocation.start", invocation: A, plugin: "old" });
  now = new Date(real - 2 * 3_600_000);
  const recent = log.record({ kind: "invocation.start", invocation: B, plugin: "recent" });
  const r = await runCruJson<AuditEvent[]>(["audit", "--since", "24h"], {
    env: { CRUCIBLE_KILN: kiln.root },
  });
  strictEqual(r.code, 0, r.stderr);
  deepStrictEqual(r.json, [recent]);
  strictEqual(
    (await runCruJson<AuditEvent[]>(["audit", "--since", "7d"], {
      env: { CRUCIBLE_KILN: kiln.root },
    })).json.length,
    2,
  );
});

Deno.test("a bad --since or --limit is a usage error with exit 2", async () => {
  using kiln = tempKiln();
  const since = await runCru(["--kiln", kiln.root, "audit", "--since", "last tuesday"]);
  strictEqual(since.code, 2);
  match(since.stderr, /--since must be a date \(2026-11-20\).*got "last tuesday"/);
  strictEqual(since.stdout, "");
  const limit = await runCru(["--kiln", kiln.root, "audit", "--limit", "0"]);
  strictEqual(limit.code, 2);
  match(limit.stderr, /--limit must be a positive whole number/);
});

Deno.test("a kiln with no audit folder has an empty log, and cru audit creates nothing", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const r = await runCruJson<AuditEvent[]>(["--kiln", kiln.root, "audit"]);
  strictEqual(r.code, 0, r.stderr);
  deepStrictEqual(r.json, []);
  const human = await runCru(["--kiln", kiln.root, "audit"]);
  strictEqual(human.code, 0);
  strictEqual(human.stdout.trim(), "no audit events");
  deepStrictEqual([...Deno.readDirSync(kiln.root)].map((e) => e.name), ["a.md"]);
});

Deno.test("a damaged log file is skipped with a warning on stderr; the rest is still shown", async () => {
  using kiln = tempKiln();
  const events = writeHistory(kiln.root);
  kiln.write(".crucible/audit/audit-2026-11-18.jsonl.gz", "not gzip");
  kiln.write(".crucible/audit/audit-2026-11-21.jsonl", '{"ts":"2026-11-21T00:00:00Z","kin');
  const r = await runCruJson<AuditEvent[]>(["--kiln", kiln.root, "audit"]);
  strictEqual(r.code, 0);
  deepStrictEqual(r.json, events);
  match(r.stderr, /warning: cannot read .*audit-2026-11-18\.jsonl\.gz/);
  match(r.stderr, /warning: .*audit-2026-11-21\.jsonl: skipped malformed line 1/);
});

Deno.test("parseSince reads dates as UTC midnight, ISO times, and times ago", () => {
  const now = new Date("2026-11-21T12:00:00Z");
  strictEqual(parseSince("2026-11-20", now).toISOString(), "2026-11-20T00:00:00.000Z");
  strictEqual(parseSince("2026-11-20T08:30:00Z", now).toISOString(), "2026-11-20T08:30:00.000Z");
  strictEqual(
    parseSince("2026-11-20T08:30:00+02:00", now).toISOString(),
    "2026-11-20T06:30:00.000Z",
  );
  strictEqual(parseSince("7d", now).toISOString(), "2026-11-14T12:00:00.000Z");
  strictEqual(parseSince("24h", now).toISOString(), "2026-11-20T12:00:00.000Z");
  strictEqual(parseSince("30m", now).toISOString(), "2026-11-21T11:30:00.000Z");
  for (const bad of ["", "yesterday", "7", "7w", "-1d", "2026-02-30", "2026-13-01", "20261120"]) {
    throws(() => parseSince(bad, now), UsageError, bad);
  }
});
