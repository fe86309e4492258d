/**
 * `cru plugins install FILE` and `cru plugins remove NAME`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import * as path from "node:path";
import { NotFoundError } from "../errors.ts";
import { resolveKilnRoot } from "../kiln/kiln.ts";
import {
  highestRisk,
  type InstallScope,
  InvalidPluginError,
  performInstall,
  performRemove,
  planInstall,
  planRemove,
} from "../plugins/install.ts";
import { formatProblem } from "../plugins/problem.ts";
import { suggest } from "../suggest.ts";
import type { GlobalOptions } from "./context.ts";
import { eprintln, err, out, printJson, println, safe } from "./output.ts";
import { openRegistry, ValidationFailed } from "./plugins.ts";
import { InvocationFailed } from "./run.ts";
import { confirmStep } from "./prompt.ts";
import { UsageError } from "./usage.ts";

/** Raised when the user answered no: nothing changed, exit 1. */
export class Declined extends InvocationFailed {}

function parseScope(value: string | undefined): InstallScope | undefined {
  if (value === undefined) return undefined;
  if (value === "kiln" || value === "system") return value;
  throw new UsageError(`--scope must be kiln or system, got ${JSON.stringify(value)}`);
}

function kilnRootOf(globals: GlobalOptions): string {
  return resolveKilnRoot({ flag: globals.kiln, env: Deno.env.get("CRUCIBLE_KILN") }).root;
}

const RISK_STYLE = { low: out.ok, high: out.warn, critical: out.error } as const;

/** Register `install` and `remove` on the `plugins` group. */
export function registerManageCommands(plugins: Command, globals: () => GlobalOptions): void {
  plugins.command("install")
    .description("validate a plugin file and copy it into the kiln's (or the system) plugin folder")
    .argument("<file>", "a .rune, .lua or .md plugin file")
    .option("--scope <scope>", "kiln (default: <kiln>/.crucible/plugins) or system")
    .option("--force", "replace an installed plugin of the same name or file name")
    .option("-y, --yes", "do not ask for confirmation of high-risk capabilities")
    .option("--json", "print the installed plugin as JSON")
    .action(async (file, opts) => {
      const scope = parseScope(opts.scope) ?? "kiln";
      const kilnRoot = scope === "kiln" ? kilnRootOf(globals()) : undefined;
      let plan;
      try {
        plan = await planInstall(file, { scope, kilnRoot, force: opts.force ?? false });
      } catch (e) {
        if (!(e instanceof InvalidPluginError)) throw e;
        const problems = e.plugin.problems;
        if (opts.json) {
          printJson({ installed: false, error: e.toJSON(), problems });
        } else {
          for (const p of problems) {
            const line = safe(formatProblem(p, file));
            eprintln(p.severity === "error" ? err.error(line) : err.warn(line));
          }
          eprintln(`${err.error("error:")} ${safe(e.message)}`);
        }
        throw new ValidationFailed();
      }
      const p = plan.plugin;
      const risk = highestRisk(plan.capabilities);
      if (!opts.json) {
        println(
          `${out.bold(safe(p.name))} ${safe(p.version ?? "")} ${
            out.dim(`(${safe(p.language ?? "?")})`)
          }`,
        );
        if (p.manifest) println(safe(p.manifest.description));
        println(out.dim("capabilities:"));
        if (plan.capabilities.length === 0) println(out.dim("  none"));
        for (const c of plan.capabilities) {
          println(`  ${safe(c.display)} ${RISK_STYLE[c.risk](`(${c.risk} risk)`)}`);
        }
        for (const w of p.problems) println(out.warn(safe(formatProblem(w, file))));
      }
      // Installing grants nothing (risky capabilities are still approved per run), so only a
      // person at a terminal is asked, and only when the plugin asks for something risky.
      if (risk !== "low" && !opts.yes && !opts.json && Deno.stdin.isTerminal()) {
        const ok = await confirmStep(
          `Install ${p.name}, which asks for ${risk}-risk capabilities?`,
          { what: `installing ${p.name}` },
        );
        if (!ok) {
          eprintln(err.warn("not installed"));
          throw new Declined("declined");
        }
      }
      const installed = performInstall(plan);
      const registry = await openRegistry(globals());
      const winner = registry.get(p.name);
      const overriddenBy = winner && winner.file !== installed
        ? { scope: winner.scope, file: winner.file }
        : null;
      // The copies of the same name this one now wins over (a built-in one, a system one).
      const overrides = winner && winner.file === installed
        ? winner.shadows.map((c) => ({ scope: c.scope, file: c.file, version: c.version }))
        : [];
      if (opts.json) {
        printJson({
          installed: true,
          name: p.name,
          version: p.version,
          language: p.language,
          scope,
          file: installed,
          capabilities: plan.capabilities,
          risk,
          replaced: plan.replaces,
          cases: plan.cases.map((c) => c.to),
          warnings: plan.warnings,
          overrides,
          overridden_by: overriddenBy,
        });
        return;
      }
      for (const r of plan.replaces) println(out.dim(`replaced ${safe(r)}`));
      println(
        `${out.ok("installed")} ${safe(p.name)} ${safe(p.version ?? "")} → ${
          out.path(safe(installed))
        }`,
      );
      for (const c of plan.cases) println(out.dim(`with its test cases ${safe(c.to)}`));
      for (const w of plan.warnings) eprintln(err.warn(`note: ${safe(w)}`));
      for (const o of overrides) {
        println(out.dim(
          `overrides the ${o.scope} copy ${safe(o.version ?? "(invalid)")} (${safe(o.file)})`,
        ));
      }
      if (overriddenBy) {
        eprintln(err.warn(
          `note: the ${overriddenBy.scope} copy ${overriddenBy.file} wins over this one; ` +
            `remove it with cru plugins remove ${p.name} --scope ${overriddenBy.scope}`,
        ));
      }
    });

  plugins.command("remove")
    .description("delete an installed plugin, its compile cache and (with --purge) its state")
    .argument("<name>", "plugin name")
    .option("--scope <scope>", "kiln or system (default: the one it is installed in)")
    .option("--purge", "also delete the plugin's state in this kiln")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .option("--json", "print what was removed as JSON")
    .action(async (name, opts) => {
      const scope = parseScope(opts.scope);
      const kilnRoot = kilnRootOf(globals());
      let plan;
      try {
        plan = await planRemove(name, { scope, kilnRoot });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        const registry = await openRegistry(globals());
        const p = registry.get(name);
        if (p && !scope && p.scope === "builtin") {
          throw new NotFoundError(
            `${name} is a built-in plugin and cannot be removed; a kiln or system copy of the ` +
              "same name overrides it",
          );
        }
        const close = suggest(
          name,
          registry.list().filter((x) => x.scope !== "builtin").map((x) => x.name),
        );
        throw new NotFoundError(
          e.message +
            (close.length
              ? `; did you mean ${close.map((c) => `"${c}"`).join(", ")}?`
              : "; run `cru plugins list` to see the plugins"),
        );
      }
      const files = plan.copies.map((c) => c.file);
      const ok = await confirmStep(
        `Remove ${name} (${plan.scope}: ${files.map((f) => path.basename(f)).join(", ")})${
          opts.purge ? " and its state" : ""
        }?`,
        { yes: opts.yes, what: `removing ${name}` },
      );
      if (!ok) {
        eprintln(err.warn("not removed"));
        throw new Declined("declined");
      }
      const result = performRemove(plan, { purge: opts.purge ?? false, kilnRoot });
      if (opts.json) {
        printJson({ removed: true, name, scope: plan.scope, ...result });
        return;
      }
      for (const f of result.files) println(`${out.ok("removed")} ${out.path(f)}`);
      for (const f of result.cases) println(`${out.ok("removed")} ${out.path(f)}`);
      for (const f of result.cache) println(out.dim(`removed compile cache ${f}`));
      for (const f of result.state) println(out.dim(`removed state ${f}`));
    });
}
