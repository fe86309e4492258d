/**
 * Plugin templates for `cru plugins new`: one definition per kind and language (see
 * `templates/`), rendered into a plugin file with a complete manifest, a working implementation
 * and example tests (its own tests, manifest examples and a `*.test.yaml` cases file) that pass
 * `cru plugins test` as generated. Adding a template is adding a definition to {@link TEMPLATES}.
 *
 * @module
 */
import * as path from "node:path";
import { stringify } from "yaml";
import type { ParamType } from "./parameters.ts";
import type { Language } from "./source.ts";
import { TOOL_TEMPLATES } from "./templates/tool.ts";
import { GRAPH_TEMPLATES } from "./templates/graph.ts";
import { WORKFLOW_TEMPLATES } from "./templates/workflow.ts";
import { FSM_TEMPLATES } from "./templates/fsm.ts";

/** Template kinds, in the order the wizard offers them. */
export const TEMPLATE_KINDS = ["tool", "workflow", "fsm", "graph"] as const;
/** A template kind. */
export type TemplateKind = typeof TEMPLATE_KINDS[number];

/** A parameter as a template or the wizard writes it into the manifest. */
export interface TemplateParam {
  /** JSON type. */
  type: ParamType;
  /** What it means. */
  description?: string;
  /** Must be given. */
  required?: boolean;
  /** Value used when absent. */
  default?: unknown;
  /** Smallest number. */
  minimum?: number;
  /** Largest number. */
  maximum?: number;
}

/** A manifest capability entry: a name, or a one-key map from the name to its scope. */
export type CapabilityEntry = string | Record<string, unknown>;

/** One example or case: parameters and what must come out. */
export interface TemplateCase {
  /** Name (cases) or description (examples). */
  name: string;
  /** Function other than the entry. */
  fn?: string;
  /** Parameters. */
  params: Record<string, unknown>;
  /** The whole result. */
  output?: unknown;
  /** A subset of the result. */
  match?: unknown;
  /** An error code. */
  error?: string;
  /** Text the error message contains. */
  message?: string;
}

/** What the person asked for. */
export interface TemplateRequest {
  /** Plugin name. */
  name: string;
  /** One sentence (default: the template's). */
  description?: string;
  /** Capabilities besides the template's own. */
  capabilities?: CapabilityEntry[];
  /** Parameters besides the template's own (the code receives them, unused). */
  parameters?: Record<string, TemplateParam>;
  /** Author for the manifest. */
  author?: string;
}

/** One template: a kind in one language. */
export interface TemplateDefinition {
  /** Kind. */
  kind: TemplateKind;
  /** Language. */
  language: Language;
  /** One line for `--help` and the wizard. */
  summary: string;
  /** Default description of a generated plugin. */
  description: string;
  /** Capabilities the code needs. */
  capabilities: CapabilityEntry[];
  /** Parameters the code reads. */
  parameters: Record<string, TemplateParam>;
  /** JSON Schema (or shorthand) of the result. */
  returns?: Record<string, unknown>;
  /** Manifest examples. */
  examples: TemplateCase[];
  /** Notes every case's kiln holds. */
  notes?: Record<string, string>;
  /** Cases for the `*.test.yaml` file. */
  cases: TemplateCase[];
  /** The code below the manifest (its own tests included). */
  code: string;
}

/** Every template. */
export const TEMPLATES: readonly TemplateDefinition[] = [
  ...TOOL_TEMPLATES,
  ...WORKFLOW_TEMPLATES,
  ...FSM_TEMPLATES,
  ...GRAPH_TEMPLATES,
];

/** The template of a kind and language, if there is one. */
export function findTemplate(kind: string, language: string): TemplateDefinition | undefined {
  return TEMPLATES.find((t) => t.kind === kind && t.language === language);
}

/** A generated plugin: its files and contents. */
export interface GeneratedPlugin {
  /** The plugin file name (`name.rune` / `name.lua`). */
  file: string;
  /** Its text. */
  text: string;
  /** The cases file name (`name.test.yaml`). */
  casesFile: string;
  /** Its text. */
  casesText: string;
}

const EXT: Record<Language, string> = { rune: ".rune", lua: ".lua" };

/** A value of a type for the cases of a required parameter the template's code does not use. */
function sample(p: TemplateParam): unknown {
  if (p.default !== undefined) return p.default;
  switch (p.type) {
    case "string":
      return "example";
    case "number":
    case "integer":
      return p.minimum ?? 1;
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return {};
  }
}

function sameCapability(a: CapabilityEntry, b: CapabilityEntry): boolean {
  const name = (c: CapabilityEntry) => (typeof c === "string" ? c : Object.keys(c)[0]);
  return name(a) === name(b);
}

/**
 * Render a template into a plugin file and its cases file.
 *
 * @example
 * ```ts
 * import { findTemplate, renderTemplate } from "./templates.ts";
 * const files = renderTemplate(findTemplate("tool", "lua")!, { name: "note-stats" });
 * files.file; // "note-stats.lua"
 * ```
 */
export function renderTemplate(t: TemplateDefinition, req: TemplateRequest): GeneratedPlugin {
  const extra = Object.fromEntries(
    Object.entries(req.parameters ?? {}).filter(([k]) => !(k in t.parameters)),
  );
  const filled = Object.fromEntries(
    Object.entries(extra).filter(([, p]) => p.required).map(([k, p]) => [k, sample(p)]),
  );
  const withExtra = (c: TemplateCase) => ({ ...c, params: { ...filled, ...c.params } });
  const capabilities = [...t.capabilities];
  for (const c of req.capabilities ?? []) {
    if (!capabilities.some((x) => sameCapability(x, c))) capabilities.push(c);
  }
  const manifest: Record<string, unknown> = {
    name: req.name,
    description: req.description?.trim() || t.description,
    version: "0.1.0",
    ...(req.author ? { author: req.author } : {}),
    language: t.language,
    capabilities,
    parameters: { ...t.parameters, ...extra },
    ...(t.returns ? { returns: t.returns } : {}),
    examples: t.examples.map(withExtra).map((e) => ({
      description: e.name,
      input: e.params,
      ...(e.error !== undefined ? { error: e.error } : { output: e.output }),
    })),
    tags: [t.kind],
  };
  const yaml = stringify(manifest, { lineWidth: 0 }).trimEnd();
  const file = req.name + EXT[t.language];
  const text = `---\n${yaml}\n---\n${t.code.trimEnd()}\n`;
  const cases = {
    ...(t.notes ? { notes: t.notes } : {}),
    cases: t.cases.map(withExtra).map((c) => ({
      name: c.name,
      ...(c.fn ? { fn: c.fn } : {}),
      params: c.params,
      ...(c.output !== undefined ? { output: c.output } : {}),
      ...(c.match !== undefined ? { match: c.match } : {}),
      ...(c.error !== undefined ? { error: c.error } : {}),
      ...(c.message !== undefined ? { message: c.message } : {}),
    })),
  };
  const casesText =
    `# Cases for \`cru plugins test ${file}\`: each runs in a fresh sandbox against a ` +
    `temporary kiln\n# holding the notes below (add \`fixtures: FOLDER\` to copy a folder of ` +
    `notes too).\n${stringify(cases, { lineWidth: 0 })}`;
  return { file, text, casesFile: `${req.name}.test.yaml`, casesText };
}

/** Write a generated plugin into a folder; refuses to overwrite unless `force`. */
export function writeGenerated(
  dir: string,
  generated: GeneratedPlugin,
  options: { force?: boolean } = {},
): { file: string; casesFile: string } {
  const file = path.resolve(dir, generated.file);
  const casesFile = path.resolve(dir, generated.casesFile);
  if (!options.force) {
    for (const f of [file, casesFile]) {
      try {
        Deno.statSync(f);
        throw new Deno.errors.AlreadyExists(`${f} already exists; pass --force to replace it`);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
  }
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(file, generated.text);
  Deno.writeTextFileSync(casesFile, generated.casesText);
  return { file, casesFile };
}
