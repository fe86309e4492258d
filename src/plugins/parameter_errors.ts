/**
 * Plugin parameter problems in the manifest's own words: "parameter `times` is required (an
 * integer)" rather than the validation library's "expected number, received undefined".
 *
 * @module
 */
import type { z } from "zod";
import { suggest } from "../suggest.ts";
import type { ParameterSpec, ParamType } from "./parameters.ts";

const ARTICLE: Record<ParamType, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "an object",
};

/** What a parameter of this spec holds, e.g. "an integer" or "a list of strings". */
export function describeType(spec: ParameterSpec): string {
  if (spec.type === "array" && spec.items) {
    return `a list of ${spec.items.type === "boolean" ? "booleans" : `${spec.items.type}s`}`;
  }
  return ARTICLE[spec.type];
}

/** How a given value reads in a message: its kind, with a short value where that helps. */
function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  return "an object";
}

/** The spec at `path` below the parameters map, if any. */
function specAt(
  parameters: Record<string, ParameterSpec>,
  path: readonly PropertyKey[],
): ParameterSpec | undefined {
  let spec: ParameterSpec | undefined = parameters[String(path[0])];
  for (const key of path.slice(1)) {
    if (!spec) return undefined;
    spec = typeof key === "number" ? spec.items : spec.properties?.[String(key)];
  }
  return spec;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** `times`, `tags[2]`, `options.depth`. */
function pathName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  }
  return out;
}

/**
 * One validation issue as a sentence about the plugin's parameters.
 *
 * @example
 * ```ts
 * import { parametersValidator, parseParameters } from "./parameters.ts";
 * import { parameterProblem } from "./parameter_errors.ts";
 * const { parameters } = parseParameters({ times: { type: "integer", required: true } });
 * const check = parametersValidator(parameters).safeParse({});
 * if (!check.success) parameterProblem(check.error.issues[0], { parameters, input: {} });
 * // "parameter `times` is required (an integer)"
 * ```
 */
export function parameterProblem(
  issue: z.core.$ZodIssue,
  context: { parameters: Record<string, ParameterSpec>; input: unknown },
): string {
  const { parameters, input } = context;
  const names = Object.keys(parameters);
  if (issue.code === "unrecognized_keys") {
    const parent = issue.path.length ? `\`${pathName(issue.path)}\` ` : "";
    return issue.keys.map((key) => {
      const close = issue.path.length ? [] : suggest(key, names, 1);
      const hint = close.length
        ? ` (did you mean \`${close[0]}\`?)`
        : issue.path.length
        ? ""
        : names.length
        ? ` (the parameters are ${names.map((n) => `\`${n}\``).join(", ")})`
        : " (this plugin takes no parameters)";
      return `unknown parameter ${parent}\`${key}\`${hint}`;
    }).join("; ");
  }
  if (issue.path.length === 0) {
    return `the parameters must be an object of named values, got ${describeValue(input)}`;
  }
  const name = `parameter \`${pathName(issue.path)}\``;
  const spec = specAt(parameters, issue.path);
  const value = valueAt(input, issue.path);
  const wanted = spec ? describeType(spec) : "another value";
  switch (issue.code) {
    case "invalid_type":
      return value === undefined
        ? `${name} is required (${wanted})`
        : `${name} must be ${wanted}, got ${describeValue(value)}`;
    case "too_small":
      return `${name} must be at least ${issue.minimum}, got ${describeValue(value)}`;
    case "too_big":
      return `${name} must be at most ${issue.maximum}, got ${describeValue(value)}`;
    case "invalid_format":
      return `${name} must match the pattern ${spec?.pattern ?? ""}, got ${describeValue(value)}`;
    default:
      return `${name} ${issue.message}, got ${describeValue(value)}`;
  }
}
