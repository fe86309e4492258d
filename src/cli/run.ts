/**
 * `cru plugins run NAME`: one sandboxed invocation from the command line.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import * as path from "node:path";
import { loadConfig } from "../config/config.ts";
import { userConfigFile } from "../config/paths.ts";
import { resolveKilnRoot } from "../kiln/kiln.ts";
import { PluginRegistry } from "../plugins/registry.ts";
import { ApprovalBroker } from "../security/approvals.ts";
import { AuditLog } from "../security/audit.ts";
import { type InvocationResult, PluginRunner } from "../sandbox/invoke.ts";
import type { GlobalOptions } from "./context.ts";
import { eprintln, err, out, printJson, println, safe, safeBlock } from "./output.ts";
import { createTwoFilesPatch } from "diff";
import type { NoteWrite } from "../api/kiln_api.ts";
import { requirePlugin } from "./plugins.ts";
import { UsageError } from "./usage.ts";
import { formatProgress } from "./progress.ts";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Raised when the invocation failed (already reported): exit 1. */
export class InvocationFailed extends Error {}

/** Parse `--params`: a JSON object. */
export function parseParams(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--params is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`--params must be a JSON object, e.g. '{"expression": "2d6+3"}'`);
  }
  return value as Record<string, unknown>;
}

/** A unified diff of one note write. */
export function writeDiff(w: NoteWrite): string {
  return createTwoFilesPatch(
    w.created ? "/dev/null" : w.kind === "file" ? w.path : `a/${w.path}`,
    w.kind === "file" ? w.path : `b/${w.path}`,
    w.before ?? "",
    w.after,
    undefined,
    undefined,
    { context: 3 },
  ).split("\n").slice(1).join("\n");
}

/** Print an invocation's result (or error, logs and security events); throws when it failed. */
export function reportInvocation(result: InvocationResult, json: boolean): void {
  const writes = result.writes.map((w) => ({
    path: w.path,
    kind: w.kind ?? "note",
    created: w.created,
    ...(w.journal ? { journal: w.journal } : {}),
    diff: writeDiff(w),
  }));
  if (json) {
    const common = {
      logs: result.logs,
      security: result.security,
      dry_run: result.dryRun,
      ...(result.dryRun ? { simulated: result.simulated } : {}),
      writes,
    };
    printJson(
      result.ok
        ? { ok: true, value: result.value, ...common }
        : { ok: false, error: result.error, ...common },
    );
  } else {
    for (const line of result.logs) eprintln(err.dim(`log: ${safe(line)}`));
    if (result.ok) println(JSON.stringify(result.value, null, 2));
    if (result.dryRun && result.simulated.length) {
      println();
      println(out.bold("dry run: nothing else was done"));
      for (const line of result.simulated) println(`  ${safe(line)}`);
    }
    if (writes.length) {
      println();
      println(out.bold(
        result.dryRun
          ? `dry run: ${writes.length} write${writes.length === 1 ? "" : "s"} not performed`
          : `${writes.length} ${writes.every((w) => w.kind === "note") ? "note" : "file"}${
            writes.length === 1 ? "" : "s"
          } written (undo: cru undo)`,
      ));
      for (const w of writes) {
        println(`${w.created ? "create" : "change"} ${out.path(safe(w.path))}`);
        for (const line of w.diff.split("\n")) {
          println(
            line.startsWith("+") && !line.startsWith("+++")
              ? out.ok(line)
              : line.startsWith("-") && !line.startsWith("---")
              ? out.error(line)
              : out.dim(line),
          );
        }
      }
    }
  }
  for (const s of result.security) eprintln(`${err.warn("security:")} ${safe(s)}`);
  if (!result.ok) {
    const e = result.error!;
    const where = e.file ? ` (${safe(path.basename(e.file))}${e.line ? `:${e.line}` : ""})` : "";
    eprintln(`${err.error("error:")} ${safe(e.code)}: ${safe(e.message)}${where}`);
    if (e.traceback) eprintln(err.dim(safeBlock(e.traceback, "  ")));
    throw new InvocationFailed(e.message);
  }
}

/** Register `cru plugins run` on the `plugins` group. */
export function registerRunCommand(plugins: Command, globals: () => GlobalOptions): void {
  plugins.command("run")
    .description("run a plugin once in its sandbox")
    .argument("<name>", "plugin name")
    .option("-p, --params <json>", "parameters as a JSON object")
    .option("--fn <function>", "call this function instead of the entry")
    .option(
      "--approve <plugin:capability>",
      "approve a capability without a prompt (repeatable), e.g. dice-roller:KilnWrite; " +
        "kiln:NAME:CAP for a kiln copy that shadows an installed plugin",
      collect,
      [] as string[],
    )
    .option("-y, --yes", "approve every capability the plugin asks for")
    .option("--timeout <ms>", "stop the plugin after this many milliseconds")
    .option(
      "--dry-run",
      "change nothing: show the writes the plugin would make as diffs, keep state changes in " +
        "memory, refuse network requests",
    )
    .option("--json", 'print {"ok": true, "value": …} or {"ok": false, "error": …}')
    .action(async (name, opts) => {
      const params = parseParams(opts.params);
      let timeoutMs: number | undefined;
      if (opts.timeout !== undefined) {
        timeoutMs = Number(opts.timeout);
        if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
          throw new UsageError(`--timeout must be a positive number of milliseconds`);
        }
      }
      const { root } = resolveKilnRoot({
        flag: globals().kiln,
        env: Deno.env.get("CRUCIBLE_KILN"),
      });
      const config = loadConfig({ kilnRoot: root });
      const registry = await PluginRegistry.load({ kilnRoot: root, pins: config.pins });
      const plugin = requirePlugin(registry, name);
      let approver: ApprovalBroker;
      try {
        approver = new ApprovalBroker({
          config,
          userConfigFile: userConfigFile(),
          approve: opts.approve,
          yes: opts.yes ?? false,
        });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const runner = new PluginRunner({
        kilnRoot: root,
        registry,
        config,
        approver,
        audit: AuditLog.forKiln(root, { retentionDays: config.audit.retentionDays }),
      });
      // Ctrl-C or a termination request stops the plugin (and the plugins it called) the way a
      // timeout does, so each of them is audited as ended before cru exits.
      const interrupt = new AbortController();
      const signals: Deno.Signal[] = Deno.build.os === "windows"
        ? ["SIGINT", "SIGBREAK"]
        : ["SIGINT", "SIGTERM"];
      const onSignal = () =>
        interrupt.abort({ code: "E_CANCELLED", message: "cru was interrupted" });
      for (const s of signals) Deno.addSignalListener(s, onSignal);
      try {
        const result = await runner.invoke({
          plugin,
          params,
          fn: opts.fn,
          timeoutMs,
          signal: interrupt.signal,
          dryRun: opts.dryRun ?? false,
          onProgress: (event, from) =>
            eprintln(err.dim(`progress: ${formatProgress(event, from)}`)),
        });
        reportInvocation(result, opts.json ?? false);
      } finally {
        for (const s of signals) Deno.removeSignalListener(s, onSignal);
        runner.close();
      }
    });
}
