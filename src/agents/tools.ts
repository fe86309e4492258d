/**
 * The tool registry of a session: every valid plugin, the kiln tools and the agent tools, by
 * name. Plugin tools follow the session's registry (a reload changes them); built-ins are fixed.
 *
 * @module
 */
import { embeddingProvider } from "../kiln/embedding_providers.ts";
import type { Session } from "../plugins/session.ts";
import { agentTools } from "./agent_tools.ts";
import { kilnTools } from "./kiln_tools.ts";
import { PluginSearch } from "./plugin_search.ts";
import { pluginTool } from "./plugin_tools.ts";
import type { Tool, ToolContext, ToolOutcome } from "./tool.ts";
import type { Confirm } from "./install.ts";

/** Names of the built-in tools of the kiln. */
export const KILN_TOOLS = [
  "search_notes",
  "read_note",
  "list_notes",
  "backlinks",
  "forward_links",
  "traverse",
] as const;
/** Names of the agent tools. */
export const AGENT_TOOLS = [
  "list_plugins",
  "describe_plugin",
  "search_plugins",
  "generate_plugin",
  "install_plugin",
  "plugin_templates",
] as const;

/** Options of {@link ToolRegistry}. */
export interface ToolRegistryOptions {
  /** Asks the person to confirm an install (null or absent: the client cannot ask). */
  confirm?: Confirm | null;
  /** Told when the tools changed because of a tool call (an install). */
  onToolsChanged?: () => void;
}

/**
 * All tools of a session.
 *
 * @example
 * ```ts ignore
 * import { ToolRegistry } from "./tools.ts";
 * const tools = new ToolRegistry(session);
 * const r = await tools.call("dice-roller", { expression: "2d6" }, { invoker: { kind: "agent" } });
 * ```
 */
export class ToolRegistry {
  #session: Session;
  #builtins: Map<string, Tool>;

  constructor(session: Session, options: ToolRegistryOptions = {}) {
    this.#session = session;
    const settings = session.config.search.embeddings;
    // Plugin search ranks with the kiln's embeddings (made once, on the first search).
    let provider: ReturnType<typeof embeddingProvider> | undefined;
    const search = new PluginSearch(() => (provider ??= embeddingProvider(settings)));
    this.#builtins = new Map(
      [...kilnTools(session), ...agentTools(session, search, options)].map((t) => [t.name, t]),
    );
  }

  /** Every tool: plugins (by name), then the kiln tools, then the agent tools. */
  list(): Tool[] {
    const plugins = this.#session.plugins().map((p) => pluginTool(this.#session, p))
      .filter((t): t is Tool => t !== null);
    return [...plugins, ...this.#builtins.values()];
  }

  /** One tool by name. */
  get(name: string): Tool | undefined {
    const builtin = this.#builtins.get(name);
    if (builtin) return builtin;
    const p = this.#session.registry.get(name);
    return p ? pluginTool(this.#session, p) ?? undefined : undefined;
  }

  /** Call a tool; an unknown name or an invalid plugin is an outcome, not an exception. */
  call(name: string, args: unknown, ctx: ToolContext): Promise<ToolOutcome> {
    const tool = this.get(name);
    if (tool) return tool.call(args, ctx);
    const p = this.#session.registry.get(name);
    const error = p
      ? {
        code: "E_INVALID_PLUGIN",
        message: `plugin ${name} is invalid and cannot run: ${
          p.problems.find((x) => x.severity === "error")?.message ?? "see cru plugins validate"
        }`,
      }
      : { code: "E_NOT_FOUND", message: `no tool named ${JSON.stringify(name)}; see tools/list` };
    return Promise.resolve({ ok: false, error, logs: [] });
  }
}
