/**
 * `cru plugins stubs [--out DIR]`: editor support generated from the binding table — LuaLS
 * annotations and a `.luarc.json` for Lua, an API reference page for Rune.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import * as path from "node:path";
import { writeStubs } from "../plugins/stubs.ts";
import type { GlobalOptions } from "./context.ts";
import { out, printJson, println } from "./output.ts";

/** Register `cru plugins stubs` on the `plugins` group. */
export function registerStubsCommand(plugins: Command, _globals: () => GlobalOptions): void {
  plugins.command("stubs")
    .description("write Lua language-server stubs, a .luarc.json and a Rune API reference")
    .option("--out <dir>", "folder to write into (default: the current folder)")
    .option("--json", "print the files written as JSON")
    .action((opts) => {
      const files = writeStubs(opts.out ?? ".");
      if (opts.json) {
        printJson({
          lua: files.lua,
          luarc: files.luarc,
          luarc_action: files.luarcAction,
          rune: files.rune,
          bindings: files.bindings,
        });
        return;
      }
      const rel = (f: string) => path.relative(Deno.cwd(), f) || f;
      println(
        `${out.ok("wrote")} ${out.path(rel(files.lua))} ${out.dim(`(${files.bindings} bindings)`)}`,
      );
      println(
        files.luarcAction === "unchanged"
          ? out.dim(`${rel(files.luarc)} already uses the stubs`)
          : `${out.ok(files.luarcAction === "merged" ? "updated" : "wrote")} ${
            out.path(rel(files.luarc))
          }`,
      );
      println(`${out.ok("wrote")} ${out.path(rel(files.rune))}`);
    });
}
