/**
 * Tools about plugins, for agents that discover, call and write them: `list_plugins`,
 * `describe_plugin`, `search_plugins` and `plugin_templates`.
 *
 * @module
 */
import * as path from "node:path";
import type { Json } from "../runtime/protocol.ts";
import { CAPABILITY_NAMES, formatCapability, riskOf } from "../security/capability.ts";
import { parametersSchema } from "../plugins/parameters.ts";
import type { ResolvedPlugin } from "../plugins/registry.ts";
import type { Session } from "../plugins/session.ts";
import { findCasesFiles } from "../plugins/test_cases.ts";
import { renderTemplate, TEMPLATE_KINDS, TEMPLATES } from "../plugins/templates.ts";
import { LANGUAGES } from "../plugins/source.ts";
import { builtinTool, type Tool } from "./tool.ts";
import type { PluginSearch } from "./plugin_search.ts";
import { checkGeneratedPlugin, type GeneratedCase, MAX_GENERATED_CASES } from "./generate.ts";
import type { Language } from "../plugins/source.ts";
import { installAgentPlugin } from "./install.ts";
import type { ToolRegistryOptions } from "./tools.ts";
import type { InstallScope } from "../plugins/install.ts";

/** The parameters of the tools that take a whole plugin file and its cases. */
const PLUGIN_FILE = {
  language: { type: "string", enum: [...LANGUAGES], required: true },
  source: { type: "string", required: true, description: "The whole plugin file" },
  tests: {
    type: "array",
    items: { type: "object" },
    description: `Up to ${MAX_GENERATED_CASES} cases, as in a *.test.yaml file: ` +
      "{name, fn?, params, output | match | error, message?, notes?, writes?}",
  },
};

/** A plugin in a listing. */
function listing(p: ResolvedPlugin): Json {
  const m = p.manifest!;
  return {
    name: p.name,
    description: m.description,
    version: m.version,
    language: m.language,
    scope: p.scope,
    capabilities: m.capabilities.map((c) => ({ capability: formatCapability(c), risk: riskOf(c) })),
    parameters: parametersSchema(m.parameters) as Json,
    examples: m.examples as unknown as Json,
    tags: m.tags,
  };
}

/** A JSON value as a Lua expression. */
function luaValue(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (Array.isArray(v)) return `{${v.map(luaValue).join(", ")}}`;
  if (typeof v === "object") {
    const fields = Object.entries(v).map(([k, x]) =>
      `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `[${JSON.stringify(k)}]`} = ${luaValue(x)}`
    );
    return `{${fields.join(", ")}}`;
  }
  return JSON.stringify(v);
}

/** A JSON value as a Rune expression. */
function runeValue(v: unknown): string {
  if (v === null || v === undefined) return "()";
  if (Array.isArray(v)) return `[${v.map(runeValue).join(", ")}]`;
  if (typeof v === "object") {
    const fields = Object.entries(v).map(([k, x]) =>
      `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k)}: ${runeValue(x)}`
    );
    return `#{${fields.join(", ")}}`;
  }
  return JSON.stringify(v);
}

/** Example calls of a plugin: as a tool call, and from Lua and Rune plugin code. */
function exampleCalls(p: ResolvedPlugin): Json {
  const m = p.manifest!;
  const inputs = m.examples.length ? m.examples.map((e) => e.input) : [{}];
  return inputs.map((input) => ({
    tool: { name: p.name, arguments: input as Json },
    lua: `crucible.invoke_plugin(${JSON.stringify(p.name)}, ${luaValue(input)})`,
    rune: `crucible::invoke_plugin(${JSON.stringify(p.name)}, ${runeValue(input)})`,
  }));
}

/** The agent tools of a session. */
export function agentTools(
  session: Session,
  search: PluginSearch,
  options: ToolRegistryOptions = {},
): Tool[] {
  const valid = () => session.plugins().filter((p) => p.valid && p.manifest);
  return [
    builtinTool<{ capability?: string; tag?: string }>("agent", {
      name: "list_plugins",
      description: "List the kiln's plugins (each is also a tool): name, description, " +
        "version, language, capabilities with their risk, parameters, examples and tags. " +
        "Filter by a capability (e.g. KilnWrite) or a tag.",
      parameters: {
        capability: { type: "string", enum: [...CAPABILITY_NAMES] },
        tag: { type: "string" },
      },
      annotations: { title: "List plugins" },
      run: (a) => ({
        plugins: valid()
          .filter((p) =>
            !a.capability || p.manifest!.capabilities.some((c) => c.name === a.capability)
          )
          .filter((p) => !a.tag || p.manifest!.tags.includes(a.tag))
          .map(listing),
      }),
    }),
    builtinTool<{ name: string }>("agent", {
      name: "describe_plugin",
      description: "Everything about one plugin: metadata, parameter and result schemas, " +
        "capabilities with risk, docs, example calls (as a tool call and as Lua and Rune " +
        "code), its source, and its test cases files.",
      parameters: { name: { type: "string", required: true, description: "Plugin name" } },
      annotations: { title: "Describe a plugin" },
      run: (a) => {
        const p = session.plugin(a.name);
        const tests = findCasesFiles(p.file).map((f) => ({
          file: path.basename(f),
          text: Deno.readTextFileSync(f),
        }));
        return {
          ...session.describe(a.name),
          ...(p.manifest ? { example_calls: exampleCalls(p) } : {}),
          source: Deno.readTextFileSync(p.file),
          tests,
        } as Json;
      },
    }),
    builtinTool<{ query: string; limit: number }>("agent", {
      name: "search_plugins",
      description: "Find plugins by what they do (full text and meaning over names, " +
        'descriptions, docs and tags), best first, e.g. "roll some dice for my game".',
      parameters: {
        query: { type: "string", required: true, description: "What you want done" },
        limit: { type: "integer", minimum: 1, maximum: 50, default: 5 },
      },
      annotations: { title: "Search plugins" },
      run: async (a) => {
        const plugins = valid();
        const byName = new Map(plugins.map((p) => [p.name, p]));
        const found = await search.search(plugins, a.query, a.limit);
        return {
          results: found.map((m) => ({
            ...m,
            description: byName.get(m.name)!.manifest!.description,
            tags: byName.get(m.name)!.manifest!.tags,
          })),
        };
      },
    }),
    builtinTool<{ language: Language; source: string; tests?: GeneratedCase[] }>("agent", {
      name: "generate_plugin",
      description: "Check a plugin you wrote, without installing it: give the complete file " +
        "(YAML frontmatter manifest + code) and optional test cases (as in a *.test.yaml " +
        "file: name, params, and output, match, error or writes). Reports syntax, manifest " +
        "and safety problems with their lines, then runs the plugin's own tests, its " +
        "manifest examples and your cases in the sandbox against a throwaway copy of the " +
        "kiln: {ok, problems, tests: {passed, failed, results}, coverage}. Start from " +
        "plugin_templates.",
      parameters: {
        ...PLUGIN_FILE,
      },
      annotations: { title: "Check and test a new plugin", idempotentHint: true },
      run: async (a) => await checkGeneratedPlugin(session, a) as unknown as Json,
    }),
    builtinTool<
      {
        language: Language;
        source: string;
        tests?: GeneratedCase[];
        scope: InstallScope;
        replace: boolean;
      }
    >("agent", {
      name: "install_plugin",
      description: "Install a plugin you wrote, with the user's confirmation: the same checks " +
        "and tests as generate_plugin (they must pass), then the user is asked (capabilities " +
        "and risk shown); on yes the file is installed, marked generated_by: agent, and " +
        "becomes a tool. Clients that cannot ask the user get a refusal saying how to " +
        "install by hand.",
      parameters: {
        ...PLUGIN_FILE,
        scope: {
          type: "string",
          enum: ["kiln", "system"],
          default: "kiln",
          description: "kiln: this kiln's .crucible/plugins; system: every kiln of the user",
        },
        replace: {
          type: "boolean",
          default: false,
          description: "Replace an installed plugin of the same name",
        },
      },
      annotations: {
        title: "Install a plugin",
        readOnlyHint: false,
        destructiveHint: false,
        openWorldHint: false,
      },
      run: async (a, ctx) => {
        const r = await installAgentPlugin(session, a, {
          invoker: ctx.invoker,
          confirm: options.confirm ?? null,
        });
        options.onToolsChanged?.();
        return r;
      },
    }),
    builtinTool<{ kind?: string; language?: string; name: string }>("agent", {
      name: "plugin_templates",
      description: "Working starting points for a new plugin (the `cru plugins new` " +
        "templates): tool, workflow, fsm and graph, in Rune and Lua, each a complete plugin " +
        "file with a manifest, its own tests, and a test cases file.",
      parameters: {
        kind: { type: "string", enum: [...TEMPLATE_KINDS] },
        language: { type: "string", enum: [...LANGUAGES] },
        name: {
          type: "string",
          pattern: "^[a-z0-9]+(-[a-z0-9]+)*$",
          default: "my-plugin",
          description: "Name written into the generated manifest",
        },
      },
      annotations: { title: "Plugin templates" },
      run: (a) => ({
        templates: TEMPLATES
          .filter((t) =>
            (!a.kind || t.kind === a.kind) && (!a.language || t.language === a.language)
          )
          .map((t) => {
            const g = renderTemplate(t, { name: a.name });
            return {
              kind: t.kind,
              language: t.language,
              summary: t.summary,
              file: g.file,
              source: g.text,
              cases_file: g.casesFile,
              cases: g.casesText,
            };
          }),
      }),
    }),
  ];
}
