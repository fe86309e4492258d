/**
 * `cru mcp`: serve the kiln to MCP clients over stdio (see docs/agents.md). stdout carries only
 * protocol messages; diagnostics go to stderr.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import process from "node:process";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { loadConfig } from "../config/config.ts";
import { userConfigFile } from "../config/paths.ts";
import { resolveKilnRoot } from "../kiln/kiln.ts";
import { createSession } from "../plugins/session.ts";
import { AgentApprover } from "../agents/approvals.ts";
import { createMcpServer, type McpServer } from "../agents/mcp.ts";
import type { GlobalOptions } from "./context.ts";
import { eprintln, err } from "./output.ts";
import { UsageError } from "./usage.ts";
import denoJson from "../../deno.json" with { type: "json" };

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Register `cru mcp`. */
export function registerMcpCommand(program: Command, globals: () => GlobalOptions): void {
  program.command("mcp")
    .description("serve the kiln's plugins, notes and plugin tools to MCP clients over stdio")
    .option(
      "--approve <plugin:capability>",
      "approve a capability for agent calls (repeatable), e.g. citation-parser:KilnWrite",
      collect,
      [] as string[],
    )
    .option("-y, --yes", "approve every capability every plugin asks for")
    .action(async (opts) => {
      const { root } = resolveKilnRoot({
        flag: globals().kiln,
        env: Deno.env.get("CRUCIBLE_KILN"),
      });
      const config = loadConfig({ kilnRoot: root });
      let mcp: McpServer | null = null;
      let approver: AgentApprover;
      try {
        approver = new AgentApprover({
          config,
          userConfigFile: userConfigFile(),
          approve: opts.approve,
          yes: opts.yes ?? false,
          timeoutMs: config.approvals.timeout,
          ask: (req, timeoutMs) => mcp?.ask(req, timeoutMs) ?? null,
        });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const session = await createSession({ kiln: root, config, approver });
      const log = (line: string) => eprintln(err.dim(`cru mcp: ${line}`));
      mcp = createMcpServer(session, { version: denoJson.version, log });
      const closed = new Promise<void>((resolve) => {
        mcp!.server.onclose = () => resolve();
        process.stdin.once("end", () => resolve());
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
          Deno.addSignalListener(signal, () => resolve());
        }
      });
      await mcp.connect(new StdioServerTransport());
      log(`serving ${root} (${session.plugins().length} plugins)`);
      await closed;
      await mcp.close().catch(() => {});
      session.close();
    });
}
