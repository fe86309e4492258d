/**
 * The `cru` program: global options, command groups, and the mapping of failures to exit codes
 * (0 success, 1 failure, 2 bad usage).
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import denoJson from "../../deno.json" with { type: "json" };
import { CrucibleError } from "../errors.ts";
import { eprintln, err, printJson, safeBlock } from "./output.ts";
import type { GlobalOptions } from "./context.ts";
import { registerKilnCommands } from "./kiln.ts";
import { registerNotesCommands } from "./notes.ts";
import { registerSearchCommand } from "./search.ts";
import { registerGraphCommands } from "./graph.ts";
import { UsageError } from "./usage.ts";
import { registerPluginsCommands, ValidationFailed } from "./plugins.ts";
import { registerAuditCommand } from "./audit.ts";
import { InvocationFailed } from "./run.ts";
import { registerLuaCommands } from "./lua.ts";
import { registerUndoCommand } from "./undo.ts";
import { registerRuneCommands } from "./rune.ts";
import { registerCompletionsCommand } from "./completions.ts";
import { registerMcpCommand } from "./mcp.ts";

/** The version printed by `cru --version`. */
export const VERSION: string = denoJson.version;

/** Build the program; `globals()` reads the parsed global options. */
export function buildProgram(): Command {
  const program = new Command()
    .name("cru")
    .description(
      "cru turns a folder of Markdown notes (a kiln) into a programmable knowledge base.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .option(
      "--kiln <path>",
      "the kiln folder (default: $CRUCIBLE_KILN, or the nearest folder " +
        "with .crucible/, or the current folder)",
    )
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .exitOverride();
  const globals = () => program.opts() as GlobalOptions;
  registerKilnCommands(program, globals);
  registerNotesCommands(program, globals);
  registerSearchCommand(program, globals);
  registerGraphCommands(program, globals);
  registerPluginsCommands(program, globals);
  registerAuditCommand(program, globals);
  registerLuaCommands(program, globals);
  registerRuneCommands(program, globals);
  registerUndoCommand(program, globals);
  registerMcpCommand(program, globals);
  registerCompletionsCommand(program);
  for (const cmd of allCommands(program)) cmd.exitOverride();
  return program as unknown as Command;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((
    c,
  ) => [c as unknown as Command, ...allCommands(c as unknown as Command)]);
}

/** Run cru with these arguments; resolves to the process exit code. */
export async function main(args: string[]): Promise<number> {
  const program = buildProgram();
  const wantsJson = args.includes("--json");
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version "errors" are how commander ends a successful --help/--version.
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
      // Everything else commander raises is a usage problem; a bare group (`cru kiln`) prints
      // its help and lands here too.
      return 2;
    }
    // `cru … | head` closes the pipe early: that is the reader's choice, not a failure.
    if (e instanceof Deno.errors.BrokenPipe) return 0;
    if (e instanceof ValidationFailed || e instanceof InvocationFailed) return 1;
    if (e instanceof UsageError) {
      if (wantsJson) printJson({ error: { code: "E_USAGE", message: e.message } });
      eprintln(`${err.error("error:")} ${safeBlock(e.message, "  ")}`);
      return 2;
    }
    if (e instanceof CrucibleError) {
      if (wantsJson) printJson({ error: e.toJSON() });
      eprintln(`${err.error("error:")} ${safeBlock(e.message, "  ")}`);
      return 1;
    }
    eprintln(`${err.error("internal error:")} ${e instanceof Error ? e.stack ?? e.message : e}`);
    eprintln("This is a bug in cru; please report it with the command you ran.");
    return 1;
  }
}
