/**
 * JSON descriptions of plugins: the short form for listings and the full form for `show` (and,
 * later, for agents' `describe_plugin`).
 *
 * @module
 */
import { formatCapability, riskOf } from "../security/capability.ts";
import { effectiveCapabilities } from "./manifest.ts";
import { parametersSchema } from "./parameters.ts";
import type { PluginCopy, ResolvedPlugin } from "./registry.ts";

/** One line of a plugin listing. */
export interface PluginSummary {
  /** Name. */
  name: string;
  /** Version, null when the manifest is invalid. */
  version: string | null;
  /** Language, when known. */
  language: string | null;
  /** kiln, system or builtin. */
  scope: string;
  /** Absolute path of the file. */
  file: string;
  /**
   * Capabilities as shown to be approved, e.g. `NetworkHttps(api.crossref.org)`; declared
   * dependencies appear in `PluginInvoke`'s list.
   */
  capabilities: string[];
  /** One sentence. */
  description: string | null;
  /** True when it can run. */
  valid: boolean;
  /** Errors found. */
  errors: number;
  /** Warnings found. */
  warnings: number;
  /** Copies of the same name this one overrides. */
  shadows: { scope: string; file: string; version: string | null; valid: boolean }[];
}

/** The listing form of a plugin. */
export function summarize(p: ResolvedPlugin): PluginSummary {
  return {
    name: p.name,
    version: p.version,
    language: p.language,
    scope: p.scope,
    file: p.file,
    capabilities: p.manifest ? effectiveCapabilities(p.manifest).map(formatCapability) : [],
    description: p.manifest?.description ?? null,
    valid: p.valid,
    errors: p.problems.filter((x) => x.severity === "error").length,
    warnings: p.problems.filter((x) => x.severity === "warning").length,
    shadows: p.shadows.map(shadow),
  };
}

function shadow(c: PluginCopy) {
  return { scope: c.scope, file: c.file, version: c.version, valid: c.valid };
}

/** Everything known about a plugin. */
export function describe(p: ResolvedPlugin): Record<string, unknown> {
  const m = p.manifest;
  return {
    name: p.name,
    version: p.version,
    description: m?.description ?? null,
    author: m?.author ?? null,
    language: p.language,
    scope: p.scope,
    file: p.file,
    form: p.form,
    hash: p.hash,
    valid: p.valid,
    entry: m?.entry ?? null,
    capabilities: m
      ? effectiveCapabilities(m).map((c) => ({
        ...c,
        risk: riskOf(c),
        display: formatCapability(c),
        // Set when calling the declared dependencies is part of it.
        ...(c.name === "PluginInvoke" && m.dependencies.length ? { dependencies: true } : {}),
      }))
      : [],
    parameters: m ? parametersSchema(m.parameters) : null,
    returns: m?.returns ?? null,
    dependencies: m?.dependencies ?? [],
    limits: m?.limits ?? {},
    isolation: m?.isolation ?? null,
    examples: m?.examples ?? [],
    tags: m?.tags ?? [],
    docs: m?.docs ?? "",
    problems: p.problems,
    shadows: p.shadows.map(shadow),
  };
}
