/**
 * Engines by language, loaded on first use inside the worker.
 *
 * @module
 */
import type { EngineFactory } from "../engine.ts";
import { PluginError } from "../engine.ts";

/** Load the engine factory of a language. */
export async function engineFor(language: string): Promise<EngineFactory> {
  switch (language) {
    case "lua":
      return (await import("./lua/engine.ts")).createLuaEngine;
    case "js-test":
      return (await import("./js_test.ts")).createJsTestEngine;
    case "rune":
      return (await import("./rune/engine.ts")).createRuneEngine;
    default:
      throw new PluginError(
        "E_NOT_AVAILABLE",
        `no engine for language ${JSON.stringify(language)}`,
      );
  }
}
