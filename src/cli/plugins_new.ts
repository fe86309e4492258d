/**
 * `cru plugins new NAME --lang rune|lua [--template KIND] [--dir DIR]`: a new plugin from a
 * template, with its example tests; on a terminal, missing options are asked for by a wizard.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import * as path from "node:path";
import { CrucibleError } from "../errors.ts";
import { LANGUAGES } from "../plugins/source.ts";
import { PARAM_TYPES } from "../plugins/parameters.ts";
import {
  type CapabilityEntry,
  findTemplate,
  renderTemplate,
  TEMPLATE_KINDS,
  type TemplateParam,
  TEMPLATES,
  writeGenerated,
} from "../plugins/templates.ts";
import { suggest } from "../suggest.ts";
import type { GlobalOptions } from "./context.ts";
import { out, printJson, println } from "./output.ts";
import { canPrompt, PROMPT_CONTEXT, promptTheme } from "./prompt.ts";
import { UsageError } from "./usage.ts";

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** What the wizard or the flags settled. */
interface NewPlugin {
  name: string;
  language: string;
  template: string;
  description?: string;
  capabilities: CapabilityEntry[];
  parameters: Record<string, TemplateParam>;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

function checkName(name: string): string | true {
  if (NAME.test(name)) return true;
  const s = slug(name);
  return `"${name}" is not lowercase letters, digits and hyphens` + (s ? ` — e.g. ${s}` : "");
}

function checkChoice(value: string, flag: string, choices: readonly string[]): void {
  if (choices.includes(value)) return;
  const close = suggest(value, choices, 1);
  throw new UsageError(
    `${flag} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}` +
      (close.length ? `; did you mean ${close[0]}?` : ""),
  );
}

/** Ask for whatever the flags left out (only on a terminal). */
async function wizard(partial: Partial<NewPlugin>): Promise<NewPlugin> {
  const { input, select, checkbox, confirm } = await import("@inquirer/prompts");
  const theme = promptTheme();
  const ctx = PROMPT_CONTEXT;
  const name = partial.name ?? await input({
    message: "Plugin name",
    validate: checkName,
    theme,
  }, ctx);
  const language = partial.language ?? await select({
    message: "Language",
    choices: LANGUAGES.map((l) => ({ name: l === "rune" ? "Rune" : "Lua", value: l })),
    theme,
  }, ctx);
  const template = partial.template ?? await select({
    message: "Template",
    choices: TEMPLATE_KINDS.filter((k) => findTemplate(k, language)).map((k) => ({
      name: k,
      value: k,
      description: findTemplate(k, language)!.summary,
    })),
    theme,
  }, ctx);
  const t = findTemplate(template, language)!;
  const description = partial.description ?? await input({
    message: "Description (one sentence: what it does)",
    default: t.description,
    theme,
  }, ctx);
  const capabilities: CapabilityEntry[] = [];
  const picked = await checkbox({
    message: `Capabilities besides ${t.capabilities.join(", ") || "none"}`,
    choices: [
      { name: "KilnRead — read notes", value: "KilnRead" },
      { name: "KilnWrite — create and change notes (high risk)", value: "KilnWrite" },
      { name: "StateManage — keep state between runs", value: "StateManage" },
      { name: "NetworkHttps — HTTPS to listed hosts (high risk)", value: "NetworkHttps" },
      { name: "PluginInvoke — call other plugins (high risk)", value: "PluginInvoke" },
    ].filter((c) => !t.capabilities.includes(c.value)),
    theme,
  }, ctx);
  for (const cap of picked) {
    if (cap === "NetworkHttps") {
      const hosts = await input({
        message: "Hosts for NetworkHttps (comma-separated)",
        validate: (v) => v.trim() !== "" || "name at least one host, e.g. api.example.org",
        theme,
      }, ctx);
      capabilities.push({ NetworkHttps: hosts.split(",").map((h) => h.trim()).filter(Boolean) });
    } else capabilities.push(cap);
  }
  const parameters: Record<string, TemplateParam> = { ...partial.parameters };
  while (await confirm({ message: "Add a parameter?", default: false, theme }, ctx)) {
    const pname = await input({
      message: "Parameter name",
      validate: (v) =>
        /^[a-z_][a-z0-9_]*$/.test(v) && !(v in t.parameters) && !(v in parameters) ||
        "lowercase letters, digits and _, not already a parameter",
      theme,
    }, ctx);
    const type = await select({
      message: `Type of ${pname}`,
      choices: PARAM_TYPES.map((p) => ({ name: p, value: p })),
      theme,
    }, ctx);
    const pdesc = await input({ message: `What ${pname} means`, theme }, ctx);
    const required = await confirm(
      { message: `Is ${pname} required?`, default: false, theme },
      ctx,
    );
    parameters[pname] = { type, ...(pdesc ? { description: pdesc } : {}), required };
  }
  return { name, language, template, description, capabilities, parameters };
}

/** Register `cru plugins new` on the `plugins` group. */
export function registerNewCommand(plugins: Command, _globals: () => GlobalOptions): void {
  plugins.command("new")
    .description("create a plugin from a template, with tests that pass `cru plugins test`")
    .argument("[name]", "plugin name: lowercase letters, digits and hyphens")
    .option("--lang <language>", "rune or lua")
    .option(
      "--template <kind>",
      `${TEMPLATE_KINDS.join(", ")} (default tool): ${
        TEMPLATE_KINDS.map((k) => `${k}: ${findTemplate(k, "lua")?.summary ?? ""}`).join("; ")
      }`,
    )
    .option("--description <text>", "what the plugin does, in one sentence")
    .option("--dir <dir>", "folder to write the plugin into (default: the current folder)")
    .option("--force", "replace files that already exist")
    .option("--json", "print the files written as JSON")
    .action(async (name, opts) => {
      if (name !== undefined && checkName(name) !== true) {
        throw new UsageError(`plugin name ${checkName(name)}`);
      }
      if (opts.lang !== undefined) checkChoice(opts.lang, "--lang", LANGUAGES);
      if (opts.template !== undefined) checkChoice(opts.template, "--template", TEMPLATE_KINDS);
      let settled: NewPlugin;
      if (name === undefined || opts.lang === undefined) {
        if (!canPrompt() || opts.json) {
          throw new UsageError(
            `plugins new needs ${name === undefined ? "a NAME" : "--lang rune|lua"} ` +
              "(or a terminal, where a wizard asks for it), e.g. " +
              "cru plugins new note-stats --lang lua",
          );
        }
        settled = await wizard({
          name,
          language: opts.lang,
          template: opts.template,
          description: opts.description,
        });
      } else {
        settled = {
          name,
          language: opts.lang,
          template: opts.template ?? "tool",
          description: opts.description,
          capabilities: [],
          parameters: {},
        };
      }
      const t = findTemplate(settled.template, settled.language);
      if (!t) {
        const have = TEMPLATES.filter((x) => x.language === settled.language).map((x) => x.kind);
        throw new UsageError(
          `there is no ${settled.template} template for ${settled.language} yet; ` +
            `${settled.language} has ${have.join(", ")}`,
        );
      }
      const generated = renderTemplate(t, settled);
      const dir = path.resolve(opts.dir ?? ".");
      let written;
      try {
        written = writeGenerated(dir, generated, { force: opts.force ?? false });
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) {
          throw new CrucibleError("E_CONFLICT", (e as Error).message);
        }
        throw e;
      }
      if (opts.json) {
        printJson({
          name: settled.name,
          language: t.language,
          template: t.kind,
          file: written.file,
          cases_file: written.casesFile,
        });
        return;
      }
      const rel = (f: string) => path.relative(Deno.cwd(), f) || f;
      println(`${out.ok("created")} ${out.path(rel(written.file))}`);
      println(`${out.ok("created")} ${out.path(rel(written.casesFile))}`);
      println();
      println(out.dim("next:"));
      println(`  cru plugins test ${rel(written.file)}`);
      println(`  cru plugins install ${rel(written.file)}`);
    });
}
