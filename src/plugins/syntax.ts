/**
 * Syntax checks by the language engines. Lua code is compiled (never run) in a throwaway wasmoon
 * state; Rune code is parsed and compiled by the Rune compiler (never run).
 *
 * @module
 */
import { LuaFactory } from "wasmoon";
import type { PluginProblem } from "./problem.ts";
import type { Language } from "./source.ts";

type LuaEngine = Awaited<ReturnType<LuaFactory["createEngine"]>>;
let engine: Promise<LuaEngine> | null = null;

function luaEngine(): Promise<LuaEngine> {
  // Standard libraries are not even opened: nothing in this state ever runs.
  engine ??= new LuaFactory().createEngine({
    openStandardLibs: false,
    injectObjects: false,
    enableProxy: false,
  });
  return engine;
}

/**
 * Compile Lua source and report the first syntax error with its line.
 *
 * @example
 * ```ts
 * import { checkLuaSyntax } from "./syntax.ts";
 * const problems = await checkLuaSyntax("/p/x.lua", "x.lua", "return 1 +\n");
 * problems[0].line; // 2 (Lua reports the line where it gave up)
 * ```
 */
export async function checkLuaSyntax(
  file: string,
  chunkName: string,
  code: string,
): Promise<PluginProblem[]> {
  const lua = await luaEngine();
  const L = lua.global.address;
  const m = lua.global.lua;
  const top = m.lua_gettop(L);
  try {
    const status = m.luaL_loadbufferx(
      L,
      code,
      code.length === 0 ? 0 : byteLength(code),
      "=" + chunkName,
      "t",
    );
    if (status === 0) return [];
    const message = m.lua_tolstring(L, -1, null) ?? "syntax error";
    const match = /^[^:]*:(\d+): (.*)$/s.exec(message);
    return [{
      file,
      line: match ? Number(match[1]) : 1,
      field: "code",
      severity: "error",
      code: "lua-syntax",
      message: match ? match[2] : message,
      hint: "fix the Lua syntax error",
    }];
  } finally {
    m.lua_settop(L, top);
  }
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** The syntax check for a plugin's language. */
export async function checkSyntax(
  language: Language,
  file: string,
  chunkName: string,
  code: string,
  dependencies: readonly string[] = [],
): Promise<PluginProblem[]> {
  if (language === "lua") return await checkLuaSyntax(file, chunkName, code);
  // The Rune compiler is loaded only when a Rune plugin is checked.
  const { checkRuneSyntax } = await import("../runtime/engines/rune/check.ts");
  return checkRuneSyntax(file, chunkName, code, dependencies);
}
