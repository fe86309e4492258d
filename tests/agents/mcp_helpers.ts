/**
 * Helpers for the MCP tests: the real `cru mcp` as a subprocess, on a temporary kiln, with every
 * path root in a temporary home, driven by the SDK's real client over stdio.
 *
 * @module
 */
import * as path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
} from "@modelcontextprotocol/sdk/types.js";
import { CRU_TASK_FLAGS, homeEnv, REPO } from "../helpers.ts";

/** A plugin that writes the note it is given (KilnWrite: asked for on first write). */
export const NOTE_WRITER = `---
name: note-writer
description: Write a short note at a path
version: 0.1.0
language: lua
capabilities: [KilnRead, KilnWrite]
parameters:
  path: {type: string, required: true}
---
function main(params)
  crucible.write_note(params.path, "written for an agent\\n")
  return {written = params.path}
end
`;

/** A connected client and what it needs to be cleaned up. */
export interface CruMcp extends AsyncDisposable {
  /** The SDK client, initialized. */
  client: Client;
  /** The temporary home (config dir under `.config/crucible`). */
  home: string;
  /** What the server wrote to stderr so far. */
  stderr(): string;
}

/** Options of {@link startCruMcp}. */
export interface StartOptions {
  /** Extra `cru mcp` arguments. */
  args?: string[];
  /** Answers elicitation requests (the client then declares elicitation support). */
  elicit?: (req: ElicitRequest) => Promise<ElicitResult>;
  /** Client name sent in `initialize`. */
  clientName?: string;
  /** Use this home instead of a new one. */
  home?: string;
}

/** Start `cru mcp --kiln KILN` (flags of the `cru` task) and connect the SDK client to it. */
export async function startCruMcp(kiln: string, options: StartOptions = {}): Promise<CruMcp> {
  const home = options.home ?? Deno.makeTempDirSync({ prefix: "cru-mcp-home-" });
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [
      "run",
      "--quiet",
      ...CRU_TASK_FLAGS,
      path.join(REPO, "cli.ts"),
      "mcp",
      "--kiln",
      kiln,
      ...(options.args ?? []),
    ],
    env: homeEnv(home),
    cwd: REPO,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Uint8Array) => stderr += new TextDecoder().decode(chunk));
  const client = new Client(
    { name: options.clientName ?? "test-agent", version: "1.0.0" },
    { capabilities: options.elicit ? { elicitation: { form: {} } } : {} },
  );
  if (options.elicit) {
    const answer = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, (req: ElicitRequest) => answer(req));
  }
  await client.connect(transport);
  return {
    client,
    home,
    stderr: () => stderr,
    async [Symbol.asyncDispose]() {
      await client.close();
      if (!options.home) Deno.removeSync(home, { recursive: true });
    },
  };
}

/** The JSON of a tool result's text content. */
export function resultJson(result: { content?: unknown }): unknown {
  const content = result.content as { type: string; text: string }[];
  return JSON.parse(content[0].text);
}

/** The audit events of a kiln (all files of the audit folder, JSON lines). */
export function auditEvents(kiln: string): Record<string, unknown>[] {
  const dir = path.join(kiln, ".crucible", "audit");
  const events: Record<string, unknown>[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".jsonl")) continue;
    for (const line of Deno.readTextFileSync(path.join(dir, e.name)).split("\n")) {
      if (line.trim()) events.push(JSON.parse(line));
    }
  }
  return events;
}

/** Wait until `check` holds (polling), or fail after `ms` naming what was awaited. */
export async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
