/**
 * `cru audit`: read the kiln's audit log.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { resolveKilnRoot } from "../kiln/mod.ts";
import { type AuditEvent, AuditLog, checkedAuditDir } from "../security/audit.ts";
import type { GlobalOptions } from "./context.ts";
import { duration, eprintln, err, out, printJson, println, safe, type Style } from "./output.ts";
import { parseLimit, UsageError } from "./usage.ts";

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parse a `--since` value: a date (`2026-11-20`, midnight UTC, as the log's days are UTC days),
 * an ISO time (`2026-11-20T08:00:00Z`; without a zone it is local time), or a time before `now`
 * (`7d`, `24h`, `30m`). Anything else is a {@link UsageError}.
 *
 * @example
 * ```ts
 * import { parseSince } from "./audit.ts";
 * parseSince("24h", new Date("2026-11-21T00:00:00Z")).toISOString(); // "2026-11-20T00:00:00.000Z"
 * ```
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const text = value.trim();
  const relative = /^(\d+)([dhm])$/.exec(text);
  if (relative) {
    return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2] as "d" | "h" | "m"]);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = new Date(`${text}T00:00:00Z`);
    // `new Date` rolls 2026-02-30 over to March; a date that does not round-trip is not real.
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(text)) return d;
  } else if (ISO_TIME.test(text)) {
    const d = new Date(text);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new UsageError(
    `--since must be a date (2026-11-20), an ISO time (2026-11-20T08:00:00Z) or a time ago ` +
      `(7d, 24h, 30m), got ${JSON.stringify(value)}`,
  );
}

/** Register `cru audit`. */
export function registerAuditCommand(program: Command, globals: () => GlobalOptions): void {
  program.command("audit")
    .description("show the audit log: plugin invocations, capability uses, approvals, security")
    .option("--plugin <name>", "only this plugin's events")
    .option("--since <when>", "only events since a date (2026-11-20), ISO time, or 7d / 24h / 30m")
    .option("--security", "only high-priority events: security events and refused capabilities")
    .option("--invocation <id>", "only the events of one invocation")
    .option("--limit <n>", "only the most recent N events")
    .option("--json", "print the events as a JSON array")
    .action((opts) => {
      const since = opts.since === undefined ? undefined : parseSince(opts.since);
      const limit = opts.limit === undefined ? undefined : parseLimit(opts.limit);
      const { root } = resolveKilnRoot({
        flag: globals().kiln,
        env: Deno.env.get("CRUCIBLE_KILN"),
      });
      const { events, warnings } = AuditLog.readWithWarnings(checkedAuditDir(root), {
        plugin: opts.plugin,
        since,
        security: opts.security,
        invocation: opts.invocation,
        limit,
      });
      for (const w of warnings) eprintln(`${err.warn("warning:")} ${safe(w)}`);
      if (opts.json) {
        printJson(events);
        return;
      }
      if (events.length === 0) {
        println(out.dim("no audit events"));
        return;
      }
      const width = Math.max(...events.map((e) => safe(e.plugin).length));
      for (const e of events) println(formatEvent(e, width));
    });
}

/**
 * One human line: marker, time, kind, plugin, short invocation id, then the kind's details. The
 * log lives in the kiln and its fields come from plugins, so every field is shown through
 * {@link safe}.
 */
function formatEvent(e: AuditEvent, pluginWidth: number, style: Style = out): string {
  const high = e.priority === "high";
  const marker = high ? style.error("!") : " ";
  const time = style.dim(safe(e.ts).replace(/\.\d+(?=Z$)/, ""));
  const kind = safe(e.kind).padEnd(16);
  const plugin = style.bold(safe(e.plugin).padEnd(pluginWidth));
  const id = style.dim(safe(e.invocation).slice(0, 8));
  const details = detailsOf(e, style);
  return `${marker} ${time}  ${high ? style.error(kind) : kind}  ${plugin}  ${id}  ${details}`
    .trimEnd();
}

function detailsOf(e: AuditEvent, style: Style): string {
  const parts: string[] = [];
  switch (e.kind) {
    case "invocation.start":
      if (e.version) parts.push(`v${safe(e.version)}`);
      if (e.invoker) {
        parts.push(
          `by ${safe(e.invoker.kind)}${e.invoker.name ? ` ${safe(e.invoker.name)}` : ""}`,
        );
      }
      if (e.paramsDigest) parts.push(style.dim(`params ${safe(e.paramsDigest).slice(0, 12)}`));
      break;
    case "invocation.end":
      if (e.status === "ok") parts.push(style.ok("ok"));
      else if (e.status === "error") parts.push(style.error("error"));
      if (typeof e.durationMs === "number") parts.push(duration(e.durationMs));
      if (e.error) parts.push(`${safe(e.error.code)}: ${safe(e.error.message)}`);
      break;
    case "capability":
      if (e.binding) parts.push(safe(e.binding));
      if (e.capability) parts.push(style.dim(safe(e.capability)));
      if (e.target) parts.push(style.path(safe(e.target)));
      if (e.granted === true) parts.push(style.ok("granted"));
      else if (e.granted === false) parts.push(style.error("DENIED"));
      break;
    case "approval":
      if (e.capability) parts.push(safe(e.capability));
      if (e.decision) parts.push(style.bold(safe(e.decision)));
      if (e.message) parts.push(style.dim(safe(e.message)));
      break;
    case "security":
      if (e.message) parts.push(style.error(safe(e.message)));
      break;
    case "install":
      if (e.version) parts.push(`v${e.version}`);
      if (e.invoker) {
        parts.push(`by ${e.invoker.kind}${e.invoker.name ? ` ${e.invoker.name}` : ""}`);
      }
      if (e.target) parts.push(style.path(e.target));
      if (e.message) parts.push(style.dim(e.message));
      break;
  }
  return parts.join("  ");
}
