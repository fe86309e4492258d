/**
 * Every valid plugin is a tool: its name, its description, its parameters as the input schema,
 * its `returns` (when it is an object schema) as the output schema, and hints derived from the
 * capabilities it declares. A call is checked against the parameters first, then runs through
 * the session's runner — the same path as `cru plugins run`.
 *
 * @module
 */
import type { Capability } from "../security/capability.ts";
import { formatCapability, riskOf } from "../security/capability.ts";
import { parametersSchema } from "../plugins/parameters.ts";
import type { ResolvedPlugin } from "../plugins/registry.ts";
import type { Session } from "../plugins/session.ts";
import type { Tool, ToolAnnotations } from "./tool.ts";

/** Capabilities that let a plugin change something (directly or through another plugin). */
const WRITES = new Set(["KilnWrite", "FsWrite", "StateManage", "PluginInvoke", "Unsafe"]);
/** Capabilities that change or remove existing content. */
const DESTRUCTIVE = new Set(["KilnWrite", "FsWrite", "Unsafe"]);
/** Capabilities that reach outside the machine. */
const OPEN_WORLD = new Set(["NetworkHttp", "NetworkHttps", "Unsafe"]);

/** The hints of a plugin with these capabilities. */
export function pluginAnnotations(name: string, caps: readonly Capability[]): ToolAnnotations {
  const readOnly = !caps.some((c) => WRITES.has(c.name));
  return {
    title: name,
    readOnlyHint: readOnly,
    ...(readOnly ? {} : { destructiveHint: caps.some((c) => DESTRUCTIVE.has(c.name)) }),
    openWorldHint: caps.some((c) => OPEN_WORLD.has(c.name)),
  };
}

/** The description an agent reads: the manifest's sentence, then what the plugin may do. */
function toolDescription(p: ResolvedPlugin): string {
  const m = p.manifest!;
  const caps = m.capabilities.map((c) => {
    const risk = riskOf(c);
    return `${formatCapability(c)}${risk === "low" ? "" : ` (${risk} risk: needs approval)`}`;
  });
  return `${m.description}\n\nCapabilities: ${caps.join(", ") || "none"}.` +
    (m.tags.length ? ` Tags: ${m.tags.join(", ")}.` : "");
}

/** Tools are rebuilt only when a plugin's file changes. */
const cache = new WeakMap<ResolvedPlugin, Tool>();

/**
 * The tool of a valid plugin (null for an invalid one: it cannot run).
 *
 * @example
 * ```ts ignore
 * import { pluginTool } from "./plugin_tools.ts";
 * const tool = pluginTool(session, session.plugin("dice-roller"))!;
 * tool.inputSchema; // { type: "object", properties: { expression: … }, required: [...] }
 * ```
 */
export function pluginTool(session: Session, p: ResolvedPlugin): Tool | null {
  if (!p.valid || !p.manifest) return null;
  const hit = cache.get(p);
  if (hit) return hit;
  const m = p.manifest;
  const returns = m.returns;
  const tool: Tool = {
    kind: "plugin",
    name: p.name,
    description: toolDescription(p),
    inputSchema: parametersSchema(m.parameters),
    ...(returns && returns.type === "object" ? { outputSchema: returns } : {}),
    annotations: pluginAnnotations(p.name, m.capabilities),
    async call(args, ctx) {
      const check = session.validate(p, args ?? {});
      if (!check.ok) return { ok: false, error: check.error, logs: [] };
      const r = await session.run(p, check.params, {
        invoker: ctx.invoker,
        signal: ctx.signal,
        onProgress: ctx.onProgress,
        dryRun: ctx.dryRun,
      });
      const logs = [...r.logs, ...r.security.map((s) => `security: ${s}`)];
      const effects = {
        ...(r.dryRun ? { dryRun: true } : {}),
        ...(r.writes.length
          ? {
            writes: r.writes.map((w) => ({
              path: w.path,
              kind: w.kind ?? "note",
              created: w.created,
              ...(w.journal ? { journal: w.journal } : {}),
              ...(r.dryRun ? { after: w.after } : {}),
            })),
          }
          : {}),
      };
      if (r.ok) return { ok: true, value: r.value ?? null, logs, ...effects };
      const e = r.error!;
      const where = e.file ? ` (${e.file.split("/").pop()}${e.line ? `:${e.line}` : ""})` : "";
      return { ok: false, error: { code: e.code, message: e.message + where }, logs, ...effects };
    },
  };
  cache.set(p, tool);
  return tool;
}
