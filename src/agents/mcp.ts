/**
 * `cru mcp`: the kiln as a Model Context Protocol server. Tools are the session's tool registry
 * (plugins, kiln tools, agent tools); resources are the notes (`note://PATH`, read-only). A
 * plugin call runs through the session's runner with the client as the invoker, so grant,
 * limits, approvals and audit are those of `cru plugins run`. Plugin changes on disk send
 * `notifications/tools/list_changed`; plugin logs go out as logging notifications, plugin
 * progress as progress notifications.
 *
 * @module
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  type ListResourcesRequest,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  type ReadResourceRequest,
  ReadResourceRequestSchema,
  type ServerNotification,
} from "@modelcontextprotocol/sdk/types.js";
import type { Json } from "../runtime/protocol.ts";
import type { Session } from "../plugins/session.ts";
import type { ApprovalRequest } from "../security/approvals.ts";
import { CrucibleError } from "../errors.ts";
import type { AgentAnswer } from "./approvals.ts";
import type { ConfirmAnswer } from "./install.ts";
import { ToolRegistry } from "./tools.ts";
import type { ToolOutcome } from "./tool.ts";

/** Notes per `resources/list` page. */
export const RESOURCE_PAGE = 500;

/** The server's name in `initialize`. */
export const SERVER_NAME = "cru";

/** Options of {@link createMcpServer}. */
export interface McpServerOptions {
  /** Version reported in `initialize`. */
  version: string;
  /** Diagnostics (never stdout: that is the protocol's). */
  log?: (line: string) => void;
}

/** A running server: its SDK object, its tools, and how the person is asked. */
export interface McpServer {
  /** The SDK server. */
  server: Server;
  /** The tools served. */
  tools: ToolRegistry;
  /** Ask the person through the client (null when the client cannot). */
  ask(req: ApprovalRequest, timeoutMs: number): Promise<AgentAnswer> | null;
  /** Connect to a transport and start watching the plugin folders. */
  connect(transport: Transport): Promise<void>;
  /** Stop watching and close the connection (the session is the caller's). */
  close(): Promise<void>;
}

const outputValidator = new AjvJsonSchemaValidator();
const validators = new WeakMap<object, ReturnType<typeof outputValidator.getValidator>>();

/** The `note://` URI of a kiln path (each segment percent-encoded). */
export function noteUri(path: string): string {
  return "note://" + path.split("/").map(encodeURIComponent).join("/");
}

/** The kiln path of a `note://` URI. */
export function notePath(uri: string): string {
  if (!uri.startsWith("note://")) {
    throw new CrucibleError("E_INVALID_PARAMS", `resource ${uri} is not a note:// URI`);
  }
  return uri.slice("note://".length).split("/").map(decodeURIComponent).join("/");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The `_meta` key a client sets to ask for a dry run, and the keys of what the result reports. */
export const META_DRY_RUN = "cru/dryRun";
/** The `_meta` key of a plugin call's note writes (with journal ids, or a dry run's contents). */
export const META_WRITES = "cru/writes";

/** A tool outcome as an MCP tool result. */
function toResult(outcome: ToolOutcome, outputSchema?: Record<string, unknown>): CallToolResult {
  const meta = outcome.writes || outcome.dryRun
    ? {
      _meta: {
        ...(outcome.dryRun ? { [META_DRY_RUN]: true } : {}),
        [META_WRITES]: outcome.writes ?? [],
      },
    }
    : {};
  if (!outcome.ok) {
    return {
      isError: true,
      content: [{ type: "text", text: `${outcome.error.code}: ${outcome.error.message}` }],
      structuredContent: { error: outcome.error },
      ...meta,
    };
  }
  const value = outcome.value;
  if (outputSchema) {
    // A declared output schema is a promise to the client: a result that breaks it is the
    // plugin's error, reported as such rather than handed on.
    let check = validators.get(outputSchema);
    if (!check) validators.set(outputSchema, check = outputValidator.getValidator(outputSchema));
    const verdict = check(value);
    if (!verdict.valid) {
      return toResult({
        ok: false,
        error: {
          code: "E_INVALID_VALUE",
          message:
            `the result does not match the plugin's declared returns: ${verdict.errorMessage}`,
        },
        logs: outcome.logs,
        writes: outcome.writes,
        dryRun: outcome.dryRun,
      });
    }
  }
  return {
    content: [{ type: "text", text: JSON.stringify(value) }],
    ...(isObject(value) ? { structuredContent: value } : {}),
    ...meta,
  };
}

function progressMessage(event: Json, plugin: string): string {
  const text = typeof event === "string"
    ? event
    : isObject(event) && typeof event.message === "string"
    ? event.message
    : JSON.stringify(event);
  return `[${plugin}] ${text}`.slice(0, 300);
}

/**
 * Build the MCP server of a session.
 *
 * @example
 * ```ts ignore
 * import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
 * import { createMcpServer } from "./mcp.ts";
 * const mcp = createMcpServer(session, { version: "0.1.0" });
 * await mcp.connect(new StdioServerTransport());
 * ```
 */
export function createMcpServer(session: Session, options: McpServerOptions): McpServer {
  const log = options.log ?? (() => {});
  const timeoutMs = session.config.approvals.timeout;
  const server = new Server(
    { name: SERVER_NAME, version: options.version },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: {},
        logging: {},
      },
      instructions: "Tools of a cru kiln: its plugins (each plugin is a tool), the kiln's notes " +
        "(search_notes, read_note, list_notes, backlinks, forward_links, traverse) and tools " +
        "to find, write and install plugins (list_plugins, describe_plugin, search_plugins, " +
        "generate_plugin, install_plugin, plugin_templates). Notes are also resources, " +
        "note://PATH.",
    },
  );
  const stop = new AbortController();
  const tools = new ToolRegistry(session, {
    confirm: (message) =>
      server.getClientCapabilities()?.elicitation ? confirm(server, message, timeoutMs) : null,
    onToolsChanged: () => void server.sendToolListChanged().catch(() => {}),
  });

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.list().map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema as { type: "object" },
      ...(t.outputSchema ? { outputSchema: t.outputSchema as { type: "object" } } : {}),
      annotations: t.annotations,
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (
    request: CallToolRequest,
    extra: { signal: AbortSignal; sendNotification(n: ServerNotification): Promise<void> },
  ) => {
    const { name, arguments: args } = request.params;
    const client = server.getClientVersion()?.name;
    const token = request.params._meta?.progressToken;
    let progress = 0;
    const tool = tools.get(name);
    const outcome = await tools.call(name, args ?? {}, {
      invoker: { kind: "agent", ...(client ? { name: client } : {}) },
      signal: extra.signal,
      dryRun: request.params._meta?.[META_DRY_RUN] === true,
      onProgress: token === undefined ? undefined : (event, plugin) => {
        extra.sendNotification({
          method: "notifications/progress",
          params: {
            progressToken: token,
            progress: ++progress,
            message: progressMessage(event, plugin),
          },
        }).catch(() => {});
      },
    });
    for (const line of outcome.logs) {
      server.sendLoggingMessage({ level: "info", logger: name, data: line }).catch(() => {});
    }
    return toResult(outcome, tool?.outputSchema);
  });

  server.setRequestHandler(ListResourcesRequestSchema, (request: ListResourcesRequest) => {
    // Pages of RESOURCE_PAGE notes; the cursor is the offset of the next page.
    const cursor = request.params?.cursor;
    const offset = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(offset) || offset < 0) {
      throw new CrucibleError("E_INVALID_PARAMS", `resources/list cursor ${cursor} is not valid`);
    }
    const paths = session.kiln.paths();
    const page = paths.slice(offset, offset + RESOURCE_PAGE);
    return {
      resources: page.map((p) => ({ uri: noteUri(p), name: p, mimeType: "text/markdown" })),
      ...(offset + RESOURCE_PAGE < paths.length
        ? { nextCursor: String(offset + RESOURCE_PAGE) }
        : {}),
    };
  });

  server.setRequestHandler(ReadResourceRequestSchema, (request: ReadResourceRequest) => {
    const note = session.kiln.read(notePath(request.params.uri));
    const text = Deno.readTextFileSync(`${session.root}/${note.path}`);
    return { contents: [{ uri: request.params.uri, mimeType: "text/markdown", text }] };
  });

  const watch = async () => {
    try {
      for await (const changes of session.watch({ signal: stop.signal })) {
        log(`plugins changed: ${changes.map((c) => `${c.name} ${c.type}`).join(", ")}`);
        await server.sendToolListChanged().catch(() => {});
      }
    } catch (e) {
      if (!stop.signal.aborted) log(`plugin watch stopped: ${(e as Error).message}`);
    }
  };

  return {
    server,
    tools,
    ask(req, timeoutMs) {
      if (!server.getClientCapabilities()?.elicitation) return null;
      return elicit(server, req, timeoutMs);
    },
    async connect(transport) {
      await server.connect(transport);
      void watch();
    },
    async close() {
      stop.abort();
      await server.close();
    },
  };
}

/** Ask yes / no through the client; no answer in time is a timeout. */
async function confirm(server: Server, message: string, timeoutMs: number): Promise<ConfirmAnswer> {
  try {
    const r = await server.elicitInput({
      mode: "form",
      message,
      requestedSchema: {
        type: "object",
        properties: { install: { type: "boolean", title: "Install?", default: false } },
        required: ["install"],
      },
    }, { timeout: timeoutMs });
    return r.action === "accept" && r.content?.install === true ? "accept" : "decline";
  } catch (e) {
    return /timed out|timeout/i.test((e as Error).message) ? "timeout" : "decline";
  }
}

/** Ask once / always / deny through the client; no answer in time is a timeout. */
async function elicit(
  server: Server,
  req: ApprovalRequest,
  timeoutMs: number,
): Promise<AgentAnswer> {
  try {
    const r = await server.elicitInput({
      mode: "form",
      message: `Plugin ${req.plugin} ${req.version} (${req.description}) asks for ` +
        `${req.capability} (${req.risk} risk) to ${req.operation}: it ${req.impact}.`,
      requestedSchema: {
        type: "object",
        properties: {
          decision: {
            type: "string",
            title: "Allow?",
            enum: ["once", "always", "deny"],
            description: "once: this session; always: remember for this version of the plugin",
          },
        },
        required: ["decision"],
      },
    }, { timeout: timeoutMs });
    if (r.action !== "accept") return "deny";
    const d = r.content?.decision;
    return d === "once" || d === "always" ? d : "deny";
  } catch (e) {
    return /timed out|timeout/i.test((e as Error).message) ? "timeout" : "deny";
  }
}
