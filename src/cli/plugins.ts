/**
 * `cru plugins list | show | validate`, and the registration of the other plugin commands.
 *
 * @module
 */
import { type Command, Option } from "@commander-js/extra-typings";
import * as path from "node:path";
import { NotFoundError } from "../errors.ts";
import { loadConfig } from "../config/config.ts";
import { resolveKilnRoot } from "../kiln/kiln.ts";
import {
  describe,
  formatProblem,
  loadPluginFile,
  type PluginCopy,
  type PluginProblem,
  PluginRegistry,
  type ResolvedPlugin,
  summarize,
} from "../plugins/mod.ts";
import type { GlobalOptions } from "./context.ts";
import { eprintln, err, num, out, printJson, println, safe, safeBlock, table } from "./output.ts";
import { suggest } from "../suggest.ts";
import { registerRunCommand } from "./run.ts";
import { registerManageCommands } from "./plugins_manage.ts";
import { registerTestCommand } from "./plugins_test.ts";
import { registerNewCommand } from "./plugins_new.ts";
import { registerStubsCommand } from "./plugins_stubs.ts";
import { registerTrustCommand } from "./plugins_trust.ts";

/** Load the registry for the kiln the global options name. */
export async function openRegistry(globals: GlobalOptions): Promise<PluginRegistry> {
  const { root } = resolveKilnRoot({ flag: globals.kiln, env: Deno.env.get("CRUCIBLE_KILN") });
  const config = loadConfig({ kilnRoot: root });
  return await PluginRegistry.load({ kilnRoot: root, pins: config.pins });
}

/** Find a plugin by name or fail with suggestions. */
export function requirePlugin(registry: PluginRegistry, name: string): ResolvedPlugin {
  const p = registry.get(name);
  if (p) return p;
  const close = suggest(name, registry.list().map((x) => x.name));
  throw new NotFoundError(
    `no plugin named "${name}"` +
      (close.length
        ? `; did you mean ${close.map((c) => `"${c}"`).join(", ")}?`
        : "; run `cru plugins list` to see the plugins"),
  );
}

/** A path shown relative to the current folder when that is shorter. */
function display(file: string): string {
  const rel = path.relative(Deno.cwd(), file);
  return rel.length < file.length && !rel.startsWith("../../") ? rel : file;
}

function printProblems(problems: readonly PluginProblem[]): void {
  for (const p of problems) {
    const line = safe(formatProblem(p, display(p.file)));
    println(p.severity === "error" ? out.error(line) : out.warn(line));
  }
}

/** Register the `plugins` command group. */
export function registerPluginsCommands(program: Command, globals: () => GlobalOptions): void {
  const plugins = program.command("plugins").description(
    "list, inspect, validate, run, install, remove, test and create plugins",
  );

  plugins.command("list")
    .description("every plugin by name: the copy that wins (kiln > system > built-in)")
    .option("--json", "print the plugins as JSON")
    // For shell completion scripts: the names alone, one per line.
    .addOption(new Option("--names").hideHelp())
    .action(async (opts) => {
      const registry = await openRegistry(globals());
      const list = registry.list();
      if (opts.names) {
        for (const p of list) println(safe(p.name));
        return;
      }
      if (opts.json) {
        printJson(list.map(summarize));
        return;
      }
      if (list.length === 0) {
        println(out.dim("no plugins found in:"));
        for (const d of registry.dirs) println(out.dim(`  ${d.scope}: ${d.dir}`));
        return;
      }
      for (
        const line of table(list.map(summarize), [
          { header: "NAME", cell: (p) => out.bold(safe(p.name)) },
          { header: "VERSION", cell: (p) => safe(p.version ?? "-") },
          { header: "LANG", cell: (p) => safe(p.language ?? "-") },
          { header: "SCOPE", cell: (p) => p.scope },
          {
            header: "STATUS",
            cell: (p) =>
              p.valid
                ? out.ok("ok") + (p.warnings ? out.warn(` ${p.warnings}w`) : "")
                : out.error(`invalid (${p.errors})`),
          },
          { header: "CAPABILITIES", cell: (p) => safe(p.capabilities.join(" ")), max: 40 },
          { header: "DESCRIPTION", cell: (p) => safe(p.description ?? ""), max: 60 },
        ])
      ) println(line);
      const overrides = registry.overrides();
      if (overrides.length) {
        println();
        for (const o of overrides) {
          for (const s of o.shadowed) {
            println(out.dim(
              safe(
                `${o.name}: ${o.winner.scope} copy (${display(o.winner.file)}) overrides ` +
                  `${s.scope} copy ${s.version ?? "(invalid)"} (${display(s.file)})`,
              ),
            ));
          }
        }
      }
      const invalid = list.filter((p) => !p.valid).length;
      if (invalid) {
        eprintln(err.warn(
          `${invalid} plugin${invalid === 1 ? " is" : "s are"} invalid and will not run; ` +
            "see `cru plugins validate`",
        ));
      }
    });

  plugins.command("show")
    .description("everything about one plugin: metadata, parameters, examples, problems")
    .argument("<name>", "plugin name")
    .option("--json", "print the plugin as JSON")
    .action(async (name, opts) => {
      const registry = await openRegistry(globals());
      const p = requirePlugin(registry, name);
      const d = describe(p);
      if (opts.json) {
        printJson(d);
        return;
      }
      const m = p.manifest;
      println(
        `${out.bold(safe(p.name))} ${safe(p.version ?? "")} ${
          out.dim(`(${safe(p.language ?? "?")}, ${p.scope})`)
        }`,
      );
      if (m) println(safe(m.description));
      println(out.dim(safe(display(p.file))));
      if (m) {
        if (m.author) println(`${out.dim("author:")} ${safe(m.author)}`);
        println(
          `${out.dim("capabilities:")} ${
            (d.capabilities as { display: string; risk: string }[])
              .map((c) => `${safe(c.display)} ${out.dim(`(${c.risk})`)}`).join(", ") || "none"
          }`,
        );
        println(`${out.dim("entry:")} ${safe(m.entry)}`);
        const params = Object.entries(m.parameters);
        println();
        println(out.bold("parameters"));
        if (params.length === 0) println(out.dim("  none"));
        for (const [k, v] of params) {
          const extra = [
            v.required ? "required" : "optional",
            v.default !== undefined ? `default ${JSON.stringify(v.default)}` : "",
            v.enum ? `one of ${v.enum.map((e) => JSON.stringify(e)).join(", ")}` : "",
          ].filter(Boolean).join(", ");
          println(
            `  ${safe(k)}: ${safe(v.type)} ${out.dim(`(${safe(extra)})`)}${
              v.description ? "  " + safe(v.description) : ""
            }`,
          );
        }
        if (m.returns) {
          println();
          println(out.bold("returns"));
          println("  " + safe(JSON.stringify(m.returns)));
        }
        if (m.dependencies.length) {
          println();
          println(out.bold("dependencies"));
          for (const dep of m.dependencies) {
            println(
              `  ${safe(dep.name)} ${safe(dep.range)}${dep.optional ? out.dim(" (optional)") : ""}`,
            );
          }
          println(out.dim("  calling them is PluginInvoke, approved like any other capability"));
        }
        if (Object.keys(m.limits).length) {
          println();
          println(out.bold("limits"));
          println("  " + JSON.stringify(m.limits));
        }
        if (m.examples.length) {
          println();
          println(out.bold("examples"));
          for (const e of m.examples) {
            const result = e.error !== undefined ? `error ${e.error}` : JSON.stringify(e.output);
            println(
              `  ${safe(JSON.stringify(e.input))} → ${safe(result)}${
                e.description ? out.dim("  " + safe(e.description)) : ""
              }`,
            );
          }
        }
        if (m.docs) {
          println();
          println("  " + safeBlock(m.docs, "  "));
        }
      }
      if (p.shadows.length) {
        println();
        println(out.bold("overrides"));
        for (const s of p.shadows) {
          println(
            `  ${s.scope} ${safe(s.version ?? "(invalid)")} ${out.dim(safe(display(s.file)))}`,
          );
        }
      }
      if (p.problems.length) {
        println();
        println(out.bold("problems"));
        printProblems(p.problems);
      }
    });

  plugins.command("validate")
    .description("check plugins (all files, one name, or one file); exit 0 only when all are valid")
    .argument("[target]", "a plugin name or a plugin file path (default: every plugin file)")
    .option("--json", "print the results as JSON")
    .action(async (target, opts) => {
      const registry = await openRegistry(globals());
      let checked: (PluginCopy | ResolvedPlugin)[];
      if (target === undefined) {
        // Every file, winners with their dependency checks, losers as loaded.
        checked = registry.copies().map((c) => {
          const winner = registry.get(c.name);
          return winner && winner.file === c.file ? winner : c;
        });
      } else if (registry.get(target)) {
        checked = [registry.get(target)!];
      } else if (isFile(target)) {
        const abs = path.resolve(target);
        checked = [registry.byFile(abs) ?? await loadPluginFile(abs, "kiln")];
        const winner = registry.get(checked[0].name);
        if (winner && winner.file === abs) checked = [winner];
      } else {
        requirePlugin(registry, target);
        checked = [];
      }
      const results = checked.map((c) => ({
        name: c.name,
        file: c.file,
        scope: c.scope,
        version: c.version,
        valid: c.valid,
        problems: c.problems,
      }));
      const invalid = results.filter((r) => !r.valid).length;
      if (opts.json) {
        printJson({ valid: invalid === 0, checked: results.length, invalid, plugins: results });
      } else {
        for (const r of results) {
          const status = r.valid ? out.ok("valid") : out.error("invalid");
          println(
            `${status} ${out.bold(safe(r.name))} ${safe(r.version ?? "")} ${
              out.dim(safe(display(r.file)))
            }`,
          );
          printProblems(r.problems);
        }
        if (results.length === 0) println(out.dim("no plugin files found"));
        else {
          println(out.dim(
            `${num(results.length)} checked: ${num(results.length - invalid)} valid, ${
              num(invalid)
            } invalid`,
          ));
        }
      }
      if (invalid > 0) throw new ValidationFailed();
    });

  registerRunCommand(plugins as unknown as Command, globals);
  registerManageCommands(plugins as unknown as Command, globals);
  registerTrustCommand(plugins as unknown as Command, globals);
  registerTestCommand(plugins as unknown as Command, globals);
  registerNewCommand(plugins as unknown as Command, globals);
  registerStubsCommand(plugins as unknown as Command, globals);
}

/** Raised by `plugins validate` when something is invalid: exit 1, already reported. */
export class ValidationFailed extends Error {
  constructor() {
    super("some plugins are invalid");
  }
}

function isFile(p: string): boolean {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}
