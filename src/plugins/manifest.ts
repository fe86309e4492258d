/**
 * The plugin manifest: what a plugin's frontmatter says about it, validated field by field. Every
 * problem names the file, the field and its line, and says what would be valid.
 *
 * @module
 */
// @ts-types="@types/semver"
import semver from "semver";
import { z } from "zod";
import { type Capability, parseCapabilities } from "../security/capability.ts";
import type { PluginProblem } from "./problem.ts";
import { type Language, LANGUAGES, type PluginSource } from "./source.ts";
import { type ParameterSpec, parseParameters, returnsSchema } from "./parameters.ts";
import { parseDuration, parseRate, parseSize } from "./units.ts";
import { suggest } from "../suggest.ts";

/** A dependency on another plugin. */
export interface Dependency {
  /** Plugin name. */
  name: string;
  /** Semver range the version must satisfy (`*` when not given). */
  range: string;
  /** An optional dependency may be absent; a present one must still satisfy the range. */
  optional: boolean;
}

/** Resource limits a plugin asks for (clamped to system maximums by the sandbox). */
export interface ManifestLimits {
  /** Memory in bytes. */
  memory?: number;
  /** Wall-clock timeout in milliseconds. */
  timeout?: number;
  /** Invocations per minute. */
  rate?: number;
  /** Note and file writes per run. */
  writes?: number;
  /** How deep a folder the plugin may write notes in. */
  folderDepth?: number;
}

/** An example invocation: input and the expected output or error code. */
export interface Example {
  /** What the example shows. */
  description?: string;
  /** The parameters. */
  input: Record<string, unknown>;
  /** The expected result, when it succeeds. */
  output?: unknown;
  /** The expected error code (`E_INVALID_PARAMS`…), when it fails. */
  error?: string;
}

/** A validated manifest. */
export interface Manifest {
  /** Lowercase letters, digits and hyphens. */
  name: string;
  /** One sentence: what the plugin does. */
  description: string;
  /** Semantic version (default 0.1.0). */
  version: string;
  /** Who wrote it. */
  author?: string;
  /** Rune or Lua. */
  language: Language;
  /** Declared capabilities (default `[KilnRead]`). */
  capabilities: Capability[];
  /** Input parameters. */
  parameters: Record<string, ParameterSpec>;
  /** JSON Schema of the result, if declared. */
  returns: Record<string, unknown> | null;
  /** Function called for an invocation (default `main`). */
  entry: string;
  /** Other plugins this one calls. */
  dependencies: Dependency[];
  /** Resource limits asked for. */
  limits: ManifestLimits;
  /** Example invocations. */
  examples: Example[];
  /** Free-form documentation (manifest `docs`, plus the prose of a `.md` plugin). */
  docs: string;
  /** Run in a worker (default) or a separate process. */
  isolation: "worker" | "process";
  /** Tags, for listing. */
  tags: string[];
}

/**
 * The capabilities a plugin may be granted: the declared ones, with every declared dependency
 * added to `PluginInvoke`'s list. Calling a dependency starts another plugin under that plugin's
 * own approvals, so it is approved and audited as a `PluginInvoke` scoped to it, never implied by
 * the declaration alone.
 *
 * @example
 * ```ts
 * import { effectiveCapabilities } from "./manifest.ts";
 * effectiveCapabilities({ capabilities: [{ name: "KilnRead" }],
 *   dependencies: [{ name: "dice-roller", range: "^1.0.0", optional: false }] });
 * // [{ name: "KilnRead" }, { name: "PluginInvoke", plugins: ["dice-roller"] }]
 * ```
 */
export function effectiveCapabilities(
  m: Pick<Manifest, "capabilities" | "dependencies">,
): Capability[] {
  const deps = [...new Set(m.dependencies.map((d) => d.name))];
  if (deps.length === 0) return m.capabilities;
  const declared = m.capabilities.find((c) => c.name === "PluginInvoke");
  if (!declared) return [...m.capabilities, { name: "PluginInvoke", plugins: deps }];
  return m.capabilities.map((c) =>
    c.name === "PluginInvoke" && c.plugins !== null
      ? { name: "PluginInvoke", plugins: [...new Set([...c.plugins, ...deps])] }
      : c
  );
}

/** Keys a manifest may have; others are warnings. */
export const MANIFEST_KEYS = [
  "name",
  "description",
  "version",
  "author",
  "language",
  "capabilities",
  "parameters",
  "returns",
  "entry",
  "dependencies",
  "limits",
  "examples",
  "docs",
  "isolation",
  "tags",
  "license",
  "homepage",
  "generated_by",
] as const;

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parse and validate the manifest of a plugin source. Null manifest when any error was found. */
export function parseManifest(
  src: PluginSource,
): { manifest: Manifest | null; problems: PluginProblem[] } {
  const problems: PluginProblem[] = [];
  const d = src.data;
  const err = (
    path: (string | number)[],
    message: string,
    hint?: string,
    severity: "error" | "warning" = "error",
  ) =>
    problems.push({
      file: src.file,
      line: src.lineOf(path),
      field: path.join("."),
      severity,
      code: severity === "error" ? "manifest-field" : "manifest-warning",
      message,
      hint,
    });

  for (const key of Object.keys(d)) {
    if (!(MANIFEST_KEYS as readonly string[]).includes(key)) {
      const close = suggest(key, MANIFEST_KEYS, 1)[0];
      err(
        [key],
        `unknown manifest key "${key}" is ignored`,
        close ? `did you mean ${close}?` : `known keys: ${MANIFEST_KEYS.join(", ")}`,
        "warning",
      );
    }
  }

  const text = (key: string, required: boolean, hint: string): string | undefined => {
    const v = d[key];
    if (v === undefined || v === null || v === "") {
      if (required) err([key], `missing ${key}`, hint);
      return undefined;
    }
    if (typeof v !== "string") {
      err([key], `${key} must be text, got ${JSON.stringify(v)}`, hint);
      return undefined;
    }
    return v.trim();
  };

  const name = text("name", true, "add `name:` in lowercase letters, digits and hyphens");
  if (name !== undefined && !NAME.test(name)) {
    err(
      ["name"],
      `name "${name}" is not lowercase letters, digits and hyphens`,
      `e.g. ${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "my-plugin"}`,
    );
  }
  const description = text(
    "description",
    true,
    "add `description:` with one sentence saying what the plugin does",
  );
  let version = "0.1.0";
  if (d.version !== undefined) {
    const v = typeof d.version === "number" ? String(d.version) : d.version;
    if (typeof v !== "string" || semver.valid(v) === null) {
      err(
        ["version"],
        `version ${JSON.stringify(d.version)} is not a semantic version`,
        "write it as MAJOR.MINOR.PATCH, e.g. 1.0.0",
      );
    } else version = semver.valid(v)!;
  }
  const author = text("author", false, "author is text, e.g. a name or an email address");

  let language: Language | null = src.language;
  if (d.language !== undefined) {
    if (typeof d.language !== "string" || !(LANGUAGES as readonly string[]).includes(d.language)) {
      err(
        ["language"],
        `language ${JSON.stringify(d.language)} is not supported`,
        "use rune or lua",
      );
    } else if (src.language !== null && d.language !== src.language) {
      err(
        ["language"],
        `language says ${d.language} but the ${
          src.form === "markdown" ? "code block is" : "file extension says"
        } ${src.language}`,
        `make them agree, or drop \`language:\` (it is inferred)`,
      );
    } else language = d.language as Language;
  }

  const caps = parseCapabilities(d.capabilities);
  for (const p of caps.problems) {
    err(
      Array.isArray(d.capabilities) ? ["capabilities", p.index] : ["capabilities"],
      p.message,
      "see `capabilities` in docs/plugins.md",
    );
  }
  for (const c of caps.capabilities) {
    if (c.name === "Unsafe") {
      err(
        ["capabilities"],
        "declares Unsafe: if granted, the plugin runs without resource limits or approval " +
          "checks",
        "drop Unsafe unless the plugin truly needs it",
        "warning",
      );
    }
  }

  const params = parseParameters(d.parameters);
  for (const p of params.problems) {
    err(["parameters", ...p.path], p.message);
  }

  let returns: Record<string, unknown> | null = null;
  if (d.returns !== undefined) {
    returns = returnsSchema(d.returns);
    if (returns === null) {
      err(["returns"], "returns must be a JSON Schema or a type name", "e.g. `returns: object`");
    }
  }

  let entry = "main";
  if (d.entry !== undefined) {
    if (typeof d.entry !== "string" || !IDENT.test(d.entry)) {
      err(["entry"], `entry ${JSON.stringify(d.entry)} is not a function name`, "e.g. main");
    } else entry = d.entry;
  }

  const dependencies = parseDependencies(d.dependencies, err);
  const limits = parseLimits(d.limits, err);
  const examples = parseExamples(d.examples, err);

  let isolation: "worker" | "process" = "worker";
  if (d.isolation !== undefined) {
    if (d.isolation !== "worker" && d.isolation !== "process") {
      err(
        ["isolation"],
        `isolation ${JSON.stringify(d.isolation)} is not known`,
        "worker or process",
      );
    } else isolation = d.isolation;
  }

  let tags: string[] = [];
  if (d.tags !== undefined) {
    const t = z.array(z.string()).safeParse(typeof d.tags === "string" ? [d.tags] : d.tags);
    if (!t.success) err(["tags"], "tags is a list of words", "e.g. `tags: [games, dice]`");
    else tags = t.data;
  }

  let docs = src.docs;
  if (d.docs !== undefined) {
    if (typeof d.docs !== "string") err(["docs"], "docs must be text (Markdown)");
    else docs = [d.docs.trim(), docs].filter((s) => s !== "").join("\n\n");
  }

  if (language === null && !problems.some((p) => p.field === "language")) {
    err(
      ["language"],
      "the plugin's language is unknown",
      "add `language: rune` or `language: lua`",
    );
  }

  const failed = problems.some((p) => p.severity === "error") ||
    src.problems.some((p) => p.severity === "error");
  if (failed || name === undefined || description === undefined || language === null) {
    return { manifest: null, problems };
  }
  return {
    manifest: {
      name,
      description,
      version,
      author,
      language,
      capabilities: caps.capabilities,
      parameters: params.parameters,
      returns,
      entry,
      dependencies,
      limits,
      examples,
      docs,
      isolation,
      tags,
    },
    problems,
  };
}

type Report = (path: (string | number)[], message: string, hint?: string) => void;

function parseDependencies(value: unknown, err: Report): Dependency[] {
  if (value === undefined || value === null) return [];
  const out: Dependency[] = [];
  const add = (path: (string | number)[], name: unknown, range: unknown, optional: unknown) => {
    if (typeof name !== "string" || !NAME.test(name)) {
      return err(path, `dependency name ${JSON.stringify(name)} is not a plugin name`);
    }
    const r = range === undefined || range === null ? "*" : String(range);
    if (semver.validRange(r) === null) {
      return err(path, `version range "${r}" of ${name} is not a semver range`, "e.g. ^1.2.0");
    }
    if (optional !== undefined && typeof optional !== "boolean") {
      return err(path, `optional must be true or false`);
    }
    if (out.some((o) => o.name === name)) return err(path, `${name} is listed twice`);
    out.push({ name, range: r, optional: optional === true });
  };
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === "string") {
        const at = item.indexOf("@");
        add(
          ["dependencies", i],
          at < 0 ? item : item.slice(0, at),
          at < 0 ? undefined : item.slice(at + 1),
          undefined,
        );
      } else if (item && typeof item === "object") {
        const o = item as Record<string, unknown>;
        add(["dependencies", i], o.name, o.version, o.optional);
      } else {
        err(["dependencies", i], "a dependency is `name@range` or `{name, version, optional}`");
      }
    });
  } else if (typeof value === "object") {
    for (const [name, spec] of Object.entries(value as Record<string, unknown>)) {
      if (spec && typeof spec === "object" && !Array.isArray(spec)) {
        const o = spec as Record<string, unknown>;
        add(["dependencies", name], name, o.version, o.optional);
      } else add(["dependencies", name], name, spec, undefined);
    }
  } else {
    err(["dependencies"], "dependencies is a map `name: range` or a list of `name@range`");
  }
  return out;
}

function parseLimits(value: unknown, err: Report): ManifestLimits {
  const limits: ManifestLimits = {};
  if (value === undefined || value === null) return limits;
  if (typeof value !== "object" || Array.isArray(value)) {
    err(
      ["limits"],
      "limits is a map with memory, timeout, rate, writes and folder_depth",
      "e.g. `limits: { timeout: 5s }`",
    );
    return limits;
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!["memory", "timeout", "rate", "writes", "folder_depth"].includes(key)) {
      err(
        ["limits", key],
        `unknown limit "${key}"`,
        "limits are memory, timeout, rate, writes and folder_depth",
      );
    }
  }
  if (v.memory !== undefined) {
    const n = parseSize(v.memory);
    if (n === null) {
      err(["limits", "memory"], `memory ${JSON.stringify(v.memory)} is not a size`, "e.g. 64MB");
    } else limits.memory = n;
  }
  if (v.timeout !== undefined) {
    const n = parseDuration(v.timeout);
    if (n === null) {
      err(
        ["limits", "timeout"],
        `timeout ${JSON.stringify(v.timeout)} is not a duration`,
        "e.g. 10s or 500ms",
      );
    } else limits.timeout = n;
  }
  if (v.rate !== undefined) {
    const n = parseRate(v.rate);
    if (n === null) {
      err(["limits", "rate"], `rate ${JSON.stringify(v.rate)} is not a rate`, "e.g. 100/min");
    } else limits.rate = n;
  }
  for (const [key, field] of [["writes", "writes"], ["folder_depth", "folderDepth"]] as const) {
    const n = v[key];
    if (n === undefined) continue;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
      err(
        ["limits", key],
        `${key} ${JSON.stringify(n)} is not a whole number above 0`,
        "e.g. 5000",
      );
    } else limits[field] = n;
  }
  return limits;
}

function parseExamples(value: unknown, err: Report): Example[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    err(["examples"], "examples is a list of `{input, output}` (or `{input, error}`)");
    return [];
  }
  const out: Example[] = [];
  value.forEach((raw, i) => {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
      return err(["examples", i], "an example is a map with input and output (or error)");
    }
    const e = raw as Record<string, unknown>;
    const input = e.input ?? {};
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      return err(["examples", i, "input"], "input is a map of parameters");
    }
    if (e.error !== undefined && typeof e.error !== "string") {
      return err(["examples", i, "error"], "error is an error code such as E_INVALID_PARAMS");
    }
    if (e.output === undefined && e.error === undefined) {
      return err(["examples", i], "an example needs an expected output or error");
    }
    const ex: Example = { input: input as Record<string, unknown> };
    if (typeof e.description === "string") ex.description = e.description;
    if (e.output !== undefined) ex.output = e.output;
    if (typeof e.error === "string") ex.error = e.error;
    out.push(ex);
  });
  return out;
}
