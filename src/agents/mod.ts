/**
 * The agent door: every plugin as a tool, the kiln's own tools, tools to find and write plugins,
 * approvals asked through the client, and the MCP server (`cru mcp`).
 *
 * @example
 * ```ts ignore
 * import { createSession } from "../plugins/session.ts";
 * import { ToolRegistry } from "./mod.ts";
 * const session = await createSession({ kiln: "tests/fixtures/demo_kiln", audit: false });
 * const tools = new ToolRegistry(session);
 * console.log(tools.list().map((t) => t.name));
 * session.close();
 * ```
 *
 * @module
 */
export { AGENT_TOOLS, KILN_TOOLS, ToolRegistry } from "./tools.ts";
export type { ToolRegistryOptions } from "./tools.ts";
export { builtinTool, failure } from "./tool.ts";
export type {
  BuiltinSpec,
  Tool,
  ToolAnnotations,
  ToolContext,
  ToolDefinition,
  ToolEffects,
  ToolOutcome,
  ToolWrite,
} from "./tool.ts";
export { pluginAnnotations, pluginTool } from "./plugin_tools.ts";
export { PluginSearch, searchWords } from "./plugin_search.ts";
export type { PluginMatch } from "./plugin_search.ts";
export { checkGeneratedPlugin, MAX_GENERATED_CASES } from "./generate.ts";
export type { GeneratedCase, GenerateReport } from "./generate.ts";
export { installAgentPlugin, markGenerated } from "./install.ts";
export type { AgentInstallContext, Confirm, ConfirmAnswer } from "./install.ts";
export { AgentApprover } from "./approvals.ts";
export type { AgentAnswer, AgentApproverOptions, AskUser } from "./approvals.ts";
export {
  createMcpServer,
  META_DRY_RUN,
  META_WRITES,
  notePath,
  noteUri,
  SERVER_NAME,
} from "./mcp.ts";
export type { McpServer, McpServerOptions } from "./mcp.ts";
