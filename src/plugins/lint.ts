/**
 * Safety lints: source that names what the sandbox removes is refused before it ever runs, with
 * the line and what to use instead. (The sandbox removes these anyway; the lint turns a confusing
 * run-time nil into a clear message at install time.)
 *
 * @module
 */
import type { PluginProblem } from "./problem.ts";

/** Lua globals a plugin never gets, and what to say about each. */
const LUA_REMOVED: Record<string, string> = {
  io: "io is not available: plugins reach notes through crucible.read_note/write_note",
  os: "os is not available: no processes, environment or files; time comes with the crucible API",
  debug: "debug is not available: it can break out of the sandbox",
  package: "package is not available: use require for the standard library and declared " +
    "dependencies",
  dofile: "dofile is not available: plugins cannot run files",
  loadfile: "loadfile is not available: plugins cannot load files",
  collectgarbage: "collectgarbage is not available: memory is managed by the sandbox",
};

interface LuaToken {
  kind: "name" | "string" | "other";
  text: string;
  line: number;
}

/** Tokenise Lua just enough to tell names from strings and comments. */
function luaTokens(code: string): LuaToken[] {
  const tokens: LuaToken[] = [];
  let i = 0;
  let line = 1;
  const n = code.length;
  const longBracket = (at: number): number => {
    // Returns the level of a long bracket "[==[" starting at `at`, or -1.
    if (code[at] !== "[") return -1;
    let j = at + 1;
    while (code[j] === "=") j++;
    return code[j] === "[" ? j - at - 1 : -1;
  };
  const skipLong = (level: number) => {
    const close = "]" + "=".repeat(level) + "]";
    const end = code.indexOf(close, i);
    const stop = end < 0 ? n : end + close.length;
    for (let k = i; k < stop; k++) if (code.charCodeAt(k) === 10) line++;
    i = stop;
  };
  while (i < n) {
    const c = code[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === "-" && code[i + 1] === "-") {
      i += 2;
      const level = longBracket(i);
      if (level >= 0) {
        i += level + 2;
        skipLong(level);
      } else {
        while (i < n && code[i] !== "\n") i++;
      }
    } else if (c === '"' || c === "'") {
      const start = i;
      const startLine = line;
      i++;
      while (i < n && code[i] !== c && code[i] !== "\n") i += code[i] === "\\" ? 2 : 1;
      i++;
      tokens.push({ kind: "string", text: code.slice(start + 1, i - 1), line: startLine });
    } else if (c === "[" && longBracket(i) >= 0) {
      const level = longBracket(i);
      const startLine = line;
      const start = i + level + 2;
      i = start;
      skipLong(level);
      tokens.push({ kind: "string", text: code.slice(start, i - level - 2), line: startLine });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_]/.test(code[i])) i++;
      tokens.push({ kind: "name", text: code.slice(start, i), line });
    } else if (/\s/.test(c)) {
      i++;
    } else {
      tokens.push({ kind: "other", text: c, line });
      i++;
    }
  }
  return tokens;
}

/**
 * Lint Lua source for removed globals, `string.dump` and loading binary chunks.
 *
 * @example
 * ```ts
 * import { lintLua } from "./lint.ts";
 * lintLua("/p/x.lua", "local f = io.open('x')\n").map((p) => p.line); // [1]
 * ```
 */
export function lintLua(file: string, code: string): PluginProblem[] {
  const problems: PluginProblem[] = [];
  const tokens = luaTokens(code);
  const locals = new Set<string>();
  const report = (line: number, message: string, hint: string) =>
    problems.push({
      file,
      line,
      field: "code",
      severity: "error",
      code: "lua-unsafe",
      message,
      hint,
    });
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== "name") continue;
    const prev = tokens[k - 1];
    const next = tokens[k + 1];
    const isField = prev !== undefined && prev.kind === "other" &&
      (prev.text === "." || prev.text === ":");
    if (prev?.text === "local") {
      // `local a, b, c`: every name of the list shadows a global of that name.
      for (let j = k; j < tokens.length && tokens[j].kind === "name"; j += 2) {
        locals.add(tokens[j].text);
        if (tokens[j + 1]?.text !== ",") break;
      }
      continue;
    }
    if (prev?.text === "function" && tokens[k - 2]?.text === "local") {
      locals.add(t.text);
      continue;
    }
    if (isField) {
      if (t.text === "dump" && (tokens[k - 2]?.text === "string" || prev.text === ":")) {
        report(t.line, "string.dump is not available: it exposes compiled bytecode", "remove it");
      }
      continue;
    }
    const isKey = next?.text === "=" && tokens[k + 2]?.text !== "=" &&
      (prev?.text === "{" || prev?.text === "," || prev?.text === ";");
    if (isKey) continue; // a table field named like a removed global: `{ io = 1 }`
    if (next?.kind === "other" && next.text === "=" && tokens[k + 2]?.text !== "=") {
      // An assignment to the name (a global of the plugin's own) is not a use of the removed one.
      if (!(t.text in LUA_REMOVED)) continue;
    }
    if (t.text in LUA_REMOVED && !locals.has(t.text)) {
      report(
        t.line,
        LUA_REMOVED[t.text],
        "remove the call; see docs/plugins.md for what is available",
      );
    }
    if (t.text === "load" && !locals.has("load") && next?.text === "(") {
      // load(chunk, name, mode, env): a mode that allows binary chunks ("b", "bt") is refused.
      let depth = 0;
      let commas = 0;
      for (let j = k + 1; j < tokens.length; j++) {
        const u = tokens[j];
        if (u.text === "(") depth++;
        else if (u.text === ")") {
          depth--;
          if (depth === 0) break;
        } else if (u.text === "," && depth === 1) commas++;
        else if (depth === 1 && commas === 2 && u.kind === "string" && u.text.includes("b")) {
          report(u.line, "load of binary chunks is not available", 'load only text, with mode "t"');
        }
      }
    }
  }
  return problems;
}
