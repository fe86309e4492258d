/**
 * Questions on the terminal: confirmations and the wizard's prompts, drawn on stderr (stdout is
 * for results), coloured only when stderr's colour is on.
 *
 * @module
 */
import process from "node:process";
import { err } from "./output.ts";
import { UsageError } from "./usage.ts";

/** True when a question can be asked: stdin and stderr are both terminals. */
export function canPrompt(): boolean {
  return Deno.stdin.isTerminal() && Deno.stderr.isTerminal();
}

/** The inquirer theme for cru: plain text when colour is off. */
export function promptTheme(): Record<string, unknown> {
  const paint = (open: string, close: string) => (s: string) =>
    err.enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return {
    prefix: { idle: paint("34", "39")("?"), done: paint("32", "39")("✔") },
    style: {
      answer: paint("36", "39"),
      message: err.bold,
      highlight: paint("36", "39"),
      help: err.dim,
      description: paint("36", "39"),
      disabled: err.dim,
      defaultAnswer: err.dim,
      error: (s: string) => err.error(`> ${s}`),
      keysHelpTip: (keys: [string, string][]) =>
        keys.map(([k, a]) => `${err.bold(k)} ${err.dim(a)}`).join(err.dim(" • ")),
    },
  };
}

/** Where prompts are drawn. */
export const PROMPT_CONTEXT = { output: process.stderr } as const;

/**
 * Ask "are you sure?" before a destructive step. `--yes` answers for the user; without a terminal
 * there is nobody to ask, so the command refuses (exit 2) and says to pass `--yes`.
 */
export async function confirmStep(
  message: string,
  options: { yes?: boolean; what: string },
): Promise<boolean> {
  if (options.yes) return true;
  if (!canPrompt()) {
    throw new UsageError(
      `${options.what} needs confirmation, and this is not a terminal; pass --yes to confirm`,
    );
  }
  const { confirm } = await import("@inquirer/prompts");
  try {
    return await confirm(
      { message, default: false, theme: promptTheme() },
      { ...PROMPT_CONTEXT, clearPromptOnDone: false },
    );
  } catch (e) {
    if ((e as Error).name === "ExitPromptError") return false;
    throw e;
  }
}
