/**
 * The plugin standard library, engine-agnostic: state machines, graph algorithms, DAG workflows
 * and utilities (JSON, YAML, regex, time, text, paths). Plain TypeScript over JSON data; the
 * sandbox exposes it to Lua and Rune through the binding table (`src/runtime/bindings_stdlib.ts`).
 *
 * @example
 * ```ts
 * import { buildGraph, pagerank, slugify } from "./mod.ts";
 * slugify("Hello, World"); // "hello-world"
 * pagerank(buildGraph({ edges: [["a", "b"], ["b", "a"]] }), {}); // two scores of 0.5
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./host.ts";
export * from "./data.ts";
export * from "./paths.ts";
export * from "./regex.ts";
export * from "./text.ts";
export * from "./time.ts";
export * from "./graph.ts";
export * from "./fsm_definition.ts";
export * from "./fsm.ts";
export * from "./workflow_plan.ts";
export * from "./workflow.ts";
