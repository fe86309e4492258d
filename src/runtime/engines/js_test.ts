/**
 * A test-only engine: the plugin's code is the body of a JavaScript function run inside the
 * sandbox worker with `crucible` (the bindings) and `params` in scope. It exists so the sandbox's
 * walls can be tested with code that tries what an engine escape would try (calling Deno APIs
 * directly); plugin manifests can never select it — only a pool created with `testEngine: true`.
 *
 * @module
 */
import { BINDINGS } from "../bindings.ts";
import { type Engine, type EngineContext, PluginError, toJson } from "../engine.ts";
import type { Json } from "../protocol.ts";

/** Build the `crucible` object: nested functions calling the bindings. */
function crucibleObject(ctx: EngineContext): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const b of BINDINGS) {
    const parts = b.name.split(".");
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = (...args: unknown[]) =>
      ctx.call(b.name, args.map((a, i) => toJson(a, `argument ${i + 1}`)));
  }
  return root;
}

/** Create a test engine. */
export function createJsTestEngine(ctx: EngineContext): Promise<Engine> {
  const crucible = crucibleObject(ctx);
  return Promise.resolve({
    async run(fn: string, params: Json): Promise<Json> {
      let body: (...a: unknown[]) => unknown;
      try {
        body = new Function(
          "crucible",
          "params",
          "fn",
          "print",
          `"use strict";\n${ctx.plugin.code}`,
        ) as (
          ...a: unknown[]
        ) => unknown;
      } catch (e) {
        throw new PluginError("E_SYNTAX", (e as Error).message, { file: ctx.plugin.file });
      }
      try {
        const print = (...a: unknown[]) => ctx.log(a.map(String).join(" "));
        return toJson(await body(crucible, params, fn, print), "the result");
      } catch (e) {
        if (e instanceof PluginError) throw e;
        throw new PluginError("E_RUNTIME", (e as Error)?.message ?? String(e), {
          file: ctx.plugin.file,
        });
      }
    },
    dispose() {},
  });
}
