/**
 * What a tool is for an agent: a name, a description, JSON Schema in (and, where declared, out),
 * hints about what it may change, and a call that answers with a value or a coded error.
 * Built-in tools declare their parameters in the manifest's own `parameters` form, so their
 * schemas and their checks come from the same code as a plugin's.
 *
 * @module
 */
import { CrucibleError } from "../errors.ts";
import type { Json } from "../runtime/protocol.ts";
import type { Invoker } from "../sandbox/invoke.ts";
import {
  type ParameterSpec,
  parametersSchema,
  parametersValidator,
  parseParameters,
} from "../plugins/parameters.ts";

/** Hints for clients about what a tool does (MCP tool annotations). */
export interface ToolAnnotations {
  /** Display name. */
  title?: string;
  /** Changes nothing. */
  readOnlyHint?: boolean;
  /** May change or delete things (meaningful when not read-only). */
  destructiveHint?: boolean;
  /** The same call twice has no further effect. */
  idempotentHint?: boolean;
  /** Reaches outside the kiln (the network). */
  openWorldHint?: boolean;
}

/** A tool as listed. */
export interface ToolDefinition {
  /** Name (plugins: the plugin name; built-ins: snake_case). */
  name: string;
  /** What it does. */
  description: string;
  /** JSON Schema of the arguments. */
  inputSchema: Record<string, unknown>;
  /** JSON Schema of the result, when declared (always an object schema). */
  outputSchema?: Record<string, unknown>;
  /** Hints. */
  annotations: ToolAnnotations;
}

/** A note write of a plugin call (performed, or in a dry run intended). */
export interface ToolWrite {
  /** Kiln-relative path (absolute for a file outside the kiln). */
  path: string;
  /** `note` or `file`. */
  kind: string;
  /** The note did not exist. */
  created: boolean;
  /** The journal entry that `cru undo` reverts (absent in a dry run). */
  journal?: string;
  /** In a dry run: the content that would be written. */
  after?: string;
}

/** Writes and dry-run state of a plugin call, when there is anything to say. */
export interface ToolEffects {
  /** Note writes, in order. */
  writes?: ToolWrite[];
  /** True when the call was a dry run. */
  dryRun?: boolean;
}

/** How a call ended. */
export type ToolOutcome =
  & ({ ok: true; value: Json; logs: string[] } | {
    ok: false;
    error: { code: string; message: string };
    logs: string[];
  })
  & ToolEffects;

/** Who calls, and the channels a long call reports on. */
export interface ToolContext {
  /** The caller, recorded in the audit log. */
  invoker: Invoker;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Progress events of a plugin. */
  onProgress?: (event: Json, plugin: string) => void;
  /** Plugin calls record their note writes instead of performing them. */
  dryRun?: boolean;
}

/** A tool: its definition and its call. */
export interface Tool extends ToolDefinition {
  /** Where it comes from. */
  kind: "plugin" | "kiln" | "agent";
  /** Run it (arguments not yet checked: the call checks them first). */
  call(args: unknown, ctx: ToolContext): Promise<ToolOutcome>;
}

/** The outcome of a failure: coded errors keep their code; anything else is a runtime error. */
export function failure(e: unknown, logs: string[] = []): ToolOutcome {
  // Plugin bindings raise PluginError, which carries a code without being a CrucibleError.
  const code = e instanceof CrucibleError
    ? e.code
    : e instanceof Error && typeof (e as { code?: unknown }).code === "string" &&
        /^E_[A-Z_]+$/.test((e as unknown as { code: string }).code)
    ? (e as unknown as { code: string }).code
    : null;
  if (code !== null) return { ok: false, error: { code, message: (e as Error).message }, logs };
  return {
    ok: false,
    error: { code: "E_RUNTIME", message: e instanceof Error ? e.message : String(e) },
    logs,
  };
}

/** A built-in tool's declaration: parameters in the manifest form, and a body. */
export interface BuiltinSpec<A> {
  /** Name. */
  name: string;
  /** Description. */
  description: string;
  /** Parameters, as a plugin manifest writes them. */
  parameters: Record<string, unknown>;
  /** Hints (read-only by default). */
  annotations?: ToolAnnotations;
  /** The body, given checked arguments with defaults filled in. */
  run(args: A, ctx: ToolContext): Promise<Json> | Json;
}

/**
 * Make a built-in tool: its schema and argument check are built from `parameters` exactly as a
 * plugin's are; a bad argument is an `E_INVALID_PARAMS` outcome naming it, and nothing runs.
 */
export function builtinTool<A>(kind: "kiln" | "agent", spec: BuiltinSpec<A>): Tool {
  const { parameters, problems } = parseParameters(spec.parameters);
  if (problems.length) {
    throw new Error(`tool ${spec.name}: bad parameters: ${problems[0].message}`);
  }
  const validator = parametersValidator(parameters as Record<string, ParameterSpec>);
  return {
    kind,
    name: spec.name,
    description: spec.description,
    inputSchema: parametersSchema(parameters),
    annotations: { readOnlyHint: true, openWorldHint: false, ...spec.annotations },
    async call(args, ctx) {
      const check = validator.safeParse(args ?? {});
      if (!check.success) {
        const issue = check.error.issues[0];
        const where = issue.path.length ? `parameter ${issue.path.join(".")}` : "parameters";
        return {
          ok: false,
          error: { code: "E_INVALID_PARAMS", message: `${spec.name}: ${where}: ${issue.message}` },
          logs: [],
        };
      }
      try {
        return { ok: true, value: await spec.run(check.data as A, ctx), logs: [] };
      } catch (e) {
        return failure(e);
      }
    },
  };
}
