/**
 * `cru lua run FILE`: run a Lua file in the sandbox with the default grant (KilnRead only), for
 * quick experiments. The file may be a full plugin (with a manifest) or plain Lua defining `main`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import * as path from "node:path";
import { NotFoundError } from "../errors.ts";
import { loadConfig } from "../config/config.ts";
import { resolveKilnRoot } from "../kiln/kiln.ts";
import { splitPluginSource } from "../plugins/source.ts";
import { loadPluginFile, type PluginRegistry, type ResolvedPlugin } from "../plugins/registry.ts";
import { AuditLog } from "../security/audit.ts";
import { PluginRunner } from "../sandbox/invoke.ts";
import type { GlobalOptions } from "./context.ts";
import { parseParams, reportInvocation } from "./run.ts";
import { UsageError } from "./usage.ts";

/** Load a Lua file as a plugin holding only the default grant. */
export async function adHocLuaPlugin(
  file: string,
): Promise<{ plugin: ResolvedPlugin; hasManifest: boolean }> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = Deno.readTextFileSync(abs);
  } catch (e) {
    throw new NotFoundError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (!abs.toLowerCase().endsWith(".lua")) {
    throw new UsageError(`${file} is not a .lua file`);
  }
  const hasManifest = splitPluginSource(abs, text).problems.every((p) =>
    p.code !== "manifest-missing"
  );
  let plugin: ResolvedPlugin;
  if (hasManifest) {
    plugin = { ...(await loadPluginFile(abs, "kiln")), shadows: [] };
  } else {
    // Plain Lua: wrap it in a manifest of its own, keeping its line numbers by loading it from a
    // temporary copy with the manifest in one line above a line-preserving comment.
    const name = path.basename(abs, ".lua").toLowerCase().replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "script";
    const dir = Deno.makeTempDirSync({ prefix: "cru-lua-run-" });
    try {
      const tmp = path.join(dir, path.basename(abs));
      Deno.writeTextFileSync(
        tmp,
        `---\nname: ${name}\ndescription: ad-hoc Lua script\n---\n${text}`,
      );
      const copy = await loadPluginFile(tmp, "kiln");
      plugin = {
        ...copy,
        file: abs,
        // Remove the 4 manifest lines again so errors point at the file's own lines.
        code: copy.code.split("\n").slice(4).join("\n"),
        problems: copy.problems.map((p) => ({ ...p, file: abs, line: Math.max(1, p.line - 4) })),
        shadows: [],
      };
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  }
  if (plugin.manifest) {
    // The default grant only, whatever the manifest declares.
    plugin = { ...plugin, manifest: { ...plugin.manifest, capabilities: [{ name: "KilnRead" }] } };
  }
  return { plugin, hasManifest };
}

/** Register the `lua` command group. */
export function registerLuaCommands(program: Command, globals: () => GlobalOptions): void {
  const lua = program.command("lua").description("run Lua in the sandbox");
  lua.command("run")
    .description("run a Lua file with the default grant (read notes only)")
    .argument("<file>", "a .lua file: a plugin, or plain Lua defining main(params)")
    .option("-p, --params <json>", "parameters as a JSON object")
    .option("--fn <function>", "call this function instead of main")
    .option("--timeout <ms>", "stop after this many milliseconds")
    .option("--json", 'print {"ok": true, "value": …} or {"ok": false, "error": …}')
    .action(async (file, opts) => {
      const params = parseParams(opts.params);
      const { plugin, hasManifest } = await adHocLuaPlugin(file);
      const { root } = resolveKilnRoot({
        flag: globals().kiln,
        env: Deno.env.get("CRUCIBLE_KILN"),
      });
      const config = loadConfig({ kilnRoot: root });
      const runner = new PluginRunner({
        kilnRoot: root,
        registry: { get: () => undefined } as unknown as PluginRegistry,
        config,
        audit: AuditLog.forKiln(root, { retentionDays: config.audit.retentionDays }),
      });
      try {
        const timeoutMs = opts.timeout === undefined ? undefined : Number(opts.timeout);
        if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) {
          throw new UsageError("--timeout must be a positive number of milliseconds");
        }
        const result = await runner.invoke({
          plugin,
          params,
          fn: opts.fn,
          timeoutMs,
          // A plain script declares no parameters: pass whatever was given.
          validateParams: hasManifest,
        });
        reportInvocation(result, opts.json ?? false);
      } finally {
        runner.close();
      }
    });
}
