/**
 * cru as a library: the kiln model (notes, links, tags, the link graph, the SQLite index and
 * full-text search), the plugin registry, sessions that run plugins in their sandbox, and the
 * agent tools and MCP server, for other Deno programs.
 *
 * @example
 * ```ts
 * import { NoteIndex } from "./mod.ts";
 * const index = NoteIndex.open("tests/fixtures/demo_kiln");
 * index.update();
 * for (const hit of index.search("dragon", { limit: 3 })) console.log(hit.path, hit.score);
 * index.close();
 * ```
 *
 * @module
 */
export * from "./src/kiln/mod.ts";
export * from "./src/plugins/mod.ts";
export * from "./src/security/mod.ts";
export { checkParams, createSession } from "./src/plugins/session.ts";
export type {
  KilnQueries,
  NoteView,
  ParamsCheck,
  RunOptions,
  Session,
  SessionOptions,
} from "./src/plugins/session.ts";
export type { InvocationResult, Invoker } from "./src/sandbox/invoke.ts";
export * from "./src/agents/mod.ts";
/** The plugin standard library (state machines, graph algorithms, workflows, utilities). */
export * as stdlib from "./src/stdlib/mod.ts";
export { loadConfig } from "./src/config/config.ts";
export type { Config } from "./src/config/config.ts";
export * from "./src/config/paths.ts";
export {
  ConfigError,
  CrucibleError,
  type ErrorCode,
  IndexError,
  InvalidParamsError,
  KilnError,
  NotFoundError,
  PathError,
} from "./src/errors.ts";
