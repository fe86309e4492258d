/**
 * `install_plugin`: the checks of `generate_plugin`, then the person confirms through the client
 * (capabilities and their risk shown), then the file goes into the kiln or system plugin folder
 * marked `generated_by: agent`, and the audit log records the install as the agent's. A client
 * that cannot ask gets a refusal saying how to install by hand.
 *
 * @module
 */
import * as path from "node:path";
import { CrucibleError, InvalidParamsError } from "../errors.ts";
import type { Json } from "../runtime/protocol.ts";
import type { Invoker } from "../sandbox/invoke.ts";
import { highestRisk, type InstallScope, performInstall, planInstall } from "../plugins/install.ts";
import type { Session } from "../plugins/session.ts";
import type { Language } from "../plugins/source.ts";
import { checkGeneratedPlugin, type GeneratedCase } from "./generate.ts";

/** The person's answer to an install question. */
export type ConfirmAnswer = "accept" | "decline" | "timeout";

/** Asks the person to confirm; null when the client cannot ask. */
export type Confirm = (message: string) => Promise<ConfirmAnswer> | null;

/** What {@link installAgentPlugin} needs besides the plugin. */
export interface AgentInstallContext {
  /** Who asks (recorded in the audit log). */
  invoker: Invoker;
  /** Asks the person. */
  confirm: Confirm | null;
}

const EXT: Record<Language, string> = { lua: ".lua", rune: ".rune" };

/**
 * The source with `generated_by: agent` in its frontmatter (replacing any value it had), so the
 * installed file says where it came from.
 */
export function markGenerated(source: string): string {
  const open = /^---\r?\n/.exec(source);
  if (!open) return source;
  const close = source.indexOf("\n---", open[0].length - 1);
  const head = source.slice(open[0].length, close === -1 ? undefined : close + 1)
    .split("\n").filter((l) => !/^generated_by\s*:/.test(l)).join("\n");
  const rest = close === -1 ? "" : source.slice(close + 1);
  return `---\ngenerated_by: agent\n${head}${rest}`;
}

/**
 * Check, confirm and install an agent's plugin.
 *
 * @example
 * ```ts ignore
 * import { installAgentPlugin } from "./install.ts";
 * const r = await installAgentPlugin(session, { language: "lua", source, scope: "kiln" }, {
 *   invoker: { kind: "agent", name: "claude" },
 *   confirm: () => Promise.resolve("accept"),
 * });
 * ```
 */
export async function installAgentPlugin(
  session: Session,
  input: {
    language: Language;
    source: string;
    tests?: GeneratedCase[];
    scope: InstallScope;
    replace?: boolean;
  },
  ctx: AgentInstallContext,
): Promise<Json> {
  const source = markGenerated(input.source);
  const report = await checkGeneratedPlugin(session, { ...input, source });
  if (!report.ok) {
    const problem = report.problems.find((p) => p.severity === "error");
    const failed = report.tests.results.find((t) => !t.ok);
    throw new InvalidParamsError(
      `plugin ${report.plugin.name} was not installed: ` +
        (problem
          ? `line ${problem.line}: ${problem.message}`
          : `test ${JSON.stringify(failed?.name)} failed: ${failed?.failure}`) +
        "; generate_plugin gives the full report",
    );
  }
  const dir = Deno.makeTempDirSync({ prefix: "cru-install-" });
  try {
    const file = path.join(dir, report.plugin.name + EXT[input.language]);
    Deno.writeTextFileSync(file, source);
    const plan = await planInstall(file, {
      scope: input.scope,
      kilnRoot: session.root,
      force: input.replace ?? false,
    });
    const caps = plan.capabilities.map((c) => `${c.display} (${c.risk} risk)`).join(", ");
    const where = input.scope === "kiln"
      ? "this kiln's plugins"
      : "your system plugins (every kiln)";
    const question = `Install plugin ${plan.plugin.name} ${plan.plugin.version} into ${where}? ` +
      `It may use: ${caps || "nothing"}; highest risk: ${highestRisk(plan.capabilities)}. ` +
      `Its ${report.tests.passed} tests passed` +
      (plan.replaces.length ? `; it replaces ${plan.replaces.map((r) => path.basename(r))}` : "") +
      ".";
    const asked = ctx.confirm?.(question) ?? null;
    if (asked === null) {
      throw new CrucibleError(
        "E_APPROVAL_DENIED",
        `plugin ${plan.plugin.name} was not installed: installing needs your confirmation and ` +
          `this MCP client cannot ask for it (no elicitation support); save the plugin to a ` +
          `file and run cru plugins install FILE --scope ${input.scope}`,
      );
    }
    const answer = await asked;
    if (answer !== "accept") {
      throw new CrucibleError(
        "E_APPROVAL_DENIED",
        `plugin ${plan.plugin.name} was not installed: ` +
          (answer === "timeout" ? "no answer came in time" : "the user declined"),
      );
    }
    const target = performInstall(plan);
    session.audit?.record({
      kind: "install",
      invocation: crypto.randomUUID(),
      plugin: plan.plugin.name,
      version: plan.plugin.version ?? undefined,
      hash: plan.plugin.hash,
      invoker: ctx.invoker,
      target,
      message: `installed in the ${input.scope} scope after the user confirmed; ` +
        `capabilities: ${caps || "none"}`,
    });
    await session.reload();
    return {
      installed: true,
      name: plan.plugin.name,
      version: plan.plugin.version,
      scope: input.scope,
      file: target,
      capabilities: plan.capabilities as unknown as Json,
      tests: { passed: report.tests.passed, failed: report.tests.failed },
    };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
