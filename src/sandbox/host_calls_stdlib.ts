/**
 * Host answers for the standard library's host-side bindings: the kiln-graph algorithms,
 * concurrent plugin calls (`invoke_plugin_start` / `invoke_plugin_wait`) and `progress`. Called
 * by `answerCall` after the binding and its arguments were checked; returns null for bindings
 * that are not its own.
 *
 * @module
 */
import { CrucibleError } from "../errors.ts";
import type { CallReply, Json } from "../runtime/protocol.ts";
import { StdlibError } from "../stdlib/errors.ts";
import {
  kilnCommunities,
  kilnPagerank,
  kilnShortestPath,
  kilnWalk,
} from "../api/graph_algorithms.ts";
import type { KilnApi } from "../api/kiln_api.ts";

/** Most plugin calls one invocation may have in flight. */
export const MAX_IN_FLIGHT = 64;

/** Most progress events one invocation reports (the rest are dropped, with one notice). */
export const MAX_PROGRESS_EVENTS = 1000;

/** Plugin calls an invocation started and has not collected yet (and its progress count). */
export class PendingCalls {
  /** Progress events reported so far. */
  progressEvents = 0;
  #next = 0;
  #calls = new Map<string, Promise<Json>>();

  /** Number in flight. */
  get size(): number {
    return this.#calls.size;
  }

  /** Track a started call; returns its ticket. */
  start(run: Promise<Json>): string {
    const ticket = `t${++this.#next}`;
    // Settle into a reply so a failure is data for the waiter, never an unhandled rejection.
    this.#calls.set(
      ticket,
      run.then(
        (value) => ({ ticket, ok: true, value, error: null }),
        (e) => ({
          ticket,
          ok: false,
          value: null,
          error: {
            code: (e as { code?: string }).code ?? "E_HOST",
            message: (e as Error).message ?? String(e),
          },
        }),
      ),
    );
    return ticket;
  }

  /** The first of `tickets` to finish, or null after `timeoutMs` (null: no timeout). */
  async wait(tickets: string[], timeoutMs: number | null): Promise<Json> {
    const known = tickets.filter((t) => this.#calls.has(t));
    if (known.length === 0) {
      throw new CrucibleError(
        "E_NOT_FOUND",
        "invoke_plugin_wait: none of these tickets is pending",
      );
    }
    const races: Promise<Json>[] = known.map((t) => this.#calls.get(t)!);
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (timeoutMs !== null) {
      races.push(new Promise((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs))));
    }
    try {
      const reply = await Promise.race(races);
      if (reply && typeof reply === "object" && !Array.isArray(reply)) {
        this.#calls.delete(String(reply.ticket));
      }
      return reply;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What the stdlib host bindings need from the call context. */
export interface StdlibCallContext {
  kiln: KilnApi;
  /** This invocation's pending plugin calls. */
  pending?: PendingCalls;
  /** Told about progress events. */
  onProgress?(event: Json): void;
  /** Start another plugin for this one (its own sandbox and grant). */
  invokePlugin(name: string, params: Json, fn: string | undefined): Promise<Json>;
  /** May this invocation call that plugin (PluginInvoke, which lists declared dependencies)? */
  mayInvoke(target: string): Promise<boolean>;
  /** The refusal reply for a plugin call that is not allowed. */
  refuseInvoke(target: string): CallReply;
}

const KILN_GRAPH = new Set([
  "graph.pagerank",
  "graph.communities",
  "graph.shortest_path",
  "graph.bfs",
  "graph.dfs",
]);

/** Is this one of the stdlib's host bindings that needs its own checks (before the generic ones)? */
export function isStdlibHostCall(binding: string): boolean {
  return binding === "invoke_plugin_start" || binding === "invoke_plugin_wait" ||
    binding === "progress";
}

/** Is this a kiln-graph algorithm (checked for KilnRead by the generic path first)? */
export function isKilnGraphCall(binding: string): boolean {
  return KILN_GRAPH.has(binding);
}

/** Answer a kiln-graph algorithm call. */
export function answerKilnGraph(binding: string, args: Json[], kiln: KilnApi): Json {
  try {
    switch (binding) {
      case "graph.pagerank":
        return kilnPagerank(kiln, args[0]);
      case "graph.communities":
        return kilnCommunities(kiln, args[0]);
      case "graph.shortest_path":
        return kilnShortestPath(kiln, args[0], args[1], args[2]);
      case "graph.bfs":
        return kilnWalk(kiln, "bfs", args[0], args[1]);
      default:
        return kilnWalk(kiln, "dfs", args[0], args[1]);
    }
  } catch (e) {
    if (e instanceof StdlibError) throw new CrucibleError(e.code as "E_NOT_FOUND", e.message);
    throw e;
  }
}

/** Answer `invoke_plugin_start`, `invoke_plugin_wait` or `progress`. */
export async function answerStdlibCall(
  binding: string,
  args: Json[],
  ctx: StdlibCallContext,
): Promise<CallReply> {
  if (binding === "progress") {
    const n = ctx.pending ? ++ctx.pending.progressEvents : 0;
    if (n <= MAX_PROGRESS_EVENTS) ctx.onProgress?.(args[0] ?? null);
    else if (n === MAX_PROGRESS_EVENTS + 1) {
      ctx.onProgress?.(`more than ${MAX_PROGRESS_EVENTS} progress events: the rest are not shown`);
    }
    return { ok: true, value: null };
  }
  const pending = ctx.pending;
  if (!pending) {
    return {
      ok: false,
      error: { code: "E_NOT_AVAILABLE", message: `crucible.${binding} is not available here` },
    };
  }
  if (binding === "invoke_plugin_start") {
    const target = args[0];
    if (typeof target !== "string") {
      return {
        ok: false,
        error: {
          code: "E_INVALID_PARAMS",
          message: "invoke_plugin_start(name) needs a plugin name",
        },
      };
    }
    if (!(await ctx.mayInvoke(target))) return ctx.refuseInvoke(target);
    if (pending.size >= MAX_IN_FLIGHT) {
      return {
        ok: false,
        error: {
          code: "E_RATE_LIMIT",
          message: `at most ${MAX_IN_FLIGHT} plugin calls can be in flight at once`,
        },
      };
    }
    const fn = typeof args[2] === "string" ? args[2] : undefined;
    return { ok: true, value: pending.start(ctx.invokePlugin(target, args[1] ?? {}, fn)) };
  }
  const tickets = args[0];
  if (!Array.isArray(tickets) || tickets.some((t) => typeof t !== "string")) {
    return {
      ok: false,
      error: {
        code: "E_INVALID_PARAMS",
        message: "invoke_plugin_wait(tickets) takes a list of tickets",
      },
    };
  }
  const timeout = typeof args[1] === "number" && args[1] >= 0 ? args[1] : null;
  return { ok: true, value: await pending.wait(tickets as string[], timeout) };
}
