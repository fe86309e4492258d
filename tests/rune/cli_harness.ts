/**
 * Runs `cru` with the `rune` command group registered, whether or not src/cli/main.ts registers
 * it yet, with main's exit-code rules (0 ok, 1 failure, 2 usage). Used by cli_test.ts.
 *
 * @module
 */
import { CommanderError } from "@commander-js/extra-typings";
import { buildProgram } from "../../src/cli/main.ts";
import { registerRuneCommands } from "../../src/cli/rune.ts";
import { InvocationFailed } from "../../src/cli/run.ts";
import { UsageError } from "../../src/cli/usage.ts";
import { CrucibleError } from "../../src/errors.ts";
import type { Command } from "@commander-js/extra-typings";

async function run(args: string[]): Promise<number> {
  const program = buildProgram();
  if (!program.commands.some((c) => c.name() === "rune")) {
    registerRuneCommands(program as unknown as Command, () => program.opts());
    const walk = (c: Command): void => {
      c.exitOverride();
      for (const s of c.commands) walk(s as unknown as Command);
    };
    walk(program as unknown as Command);
  }
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : 2;
    }
    if (e instanceof InvocationFailed) return 1;
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    if (e instanceof CrucibleError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    console.error(`internal error: ${e instanceof Error ? e.stack : e}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await run(Deno.args));
