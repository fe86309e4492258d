/**
 * Plugin parameters: the manifest's `parameters` map, turned into a JSON Schema (what agents and
 * `cru plugins show` see) and a zod validator (what checks an invocation's input). Both come from
 * the one parsed spec, so they cannot disagree.
 *
 * ```yaml
 * parameters:
 *   expression:            # full form
 *     type: string
 *     description: Dice notation, e.g. 2d6+3
 *     required: true
 *   times: integer         # shorthand: just the type (optional, no default)
 *   mode:
 *     type: string
 *     enum: [sum, max]
 *     default: sum
 *   tags:
 *     type: array
 *     items: string
 * ```
 *
 * @module
 */
import { z } from "zod";
import { parameterProblem } from "./parameter_errors.ts";

/** Parameter types (JSON Schema's, less `null`). */
export const PARAM_TYPES = ["string", "number", "integer", "boolean", "array", "object"] as const;
/** A parameter type. */
export type ParamType = typeof PARAM_TYPES[number];

/** One parsed parameter. */
export interface ParameterSpec {
  /** JSON type. */
  type: ParamType;
  /** What it means. */
  description?: string;
  /** Must be given (default false). */
  required: boolean;
  /** Value used when absent. */
  default?: unknown;
  /** Allowed values. */
  enum?: unknown[];
  /** Element spec for arrays. */
  items?: ParameterSpec;
  /** Field specs for objects. */
  properties?: Record<string, ParameterSpec>;
  /** Smallest number allowed. */
  minimum?: number;
  /** Largest number allowed. */
  maximum?: number;
  /** Regular expression strings must match. */
  pattern?: string;
}

/** A problem in the parameters map: the field path and what would be valid. */
export interface SpecProblem {
  /** Path below `parameters`, e.g. `["expression", "type"]`. */
  path: (string | number)[];
  /** What is wrong and what would be valid. */
  message: string;
}

const SPEC_KEYS = new Set([
  "type",
  "description",
  "required",
  "default",
  "enum",
  "items",
  "properties",
  "minimum",
  "maximum",
  "pattern",
]);

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parse the manifest's `parameters` map. */
export function parseParameters(
  value: unknown,
): { parameters: Record<string, ParameterSpec>; problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const parameters: Record<string, ParameterSpec> = {};
  if (value === undefined || value === null) return { parameters, problems };
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push({
      path: [],
      message: "parameters is a map from parameter name to its type or spec, e.g. " +
        "`parameters: { expression: string }`",
    });
    return { parameters, problems };
  }
  for (const [name, raw] of Object.entries(value)) {
    if (!PARAM_NAME.test(name)) {
      problems.push({
        path: [name],
        message: `parameter name "${name}" must be an identifier (letters, digits, _)`,
      });
      continue;
    }
    const spec = parseSpec(raw, [name], problems);
    if (spec) parameters[name] = spec;
  }
  return { parameters, problems };
}

function parseSpec(
  raw: unknown,
  path: (string | number)[],
  problems: SpecProblem[],
): ParameterSpec | null {
  const fail = (message: string, sub: (string | number)[] = []) => {
    problems.push({ path: [...path, ...sub], message });
    return null;
  };
  if (typeof raw === "string") {
    if (!(PARAM_TYPES as readonly string[]).includes(raw)) {
      return fail(`unknown type "${raw}"; use one of ${PARAM_TYPES.join(", ")}`);
    }
    return { type: raw as ParamType, required: false };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return fail(`a parameter is a type name or a map with at least \`type:\``);
  }
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!SPEC_KEYS.has(key)) {
      fail(`unknown key "${key}"; a parameter may have ${[...SPEC_KEYS].join(", ")}`, [key]);
    }
  }
  if (typeof r.type !== "string" || !(PARAM_TYPES as readonly string[]).includes(r.type)) {
    return fail(
      r.type === undefined
        ? `missing type; add \`type:\` with one of ${PARAM_TYPES.join(", ")}`
        : `unknown type ${JSON.stringify(r.type)}; use one of ${PARAM_TYPES.join(", ")}`,
      r.type === undefined ? [] : ["type"],
    );
  }
  const spec: ParameterSpec = { type: r.type as ParamType, required: false };
  if (r.description !== undefined) {
    if (typeof r.description !== "string") fail("description must be text", ["description"]);
    else spec.description = r.description;
  }
  if (r.required !== undefined) {
    if (typeof r.required !== "boolean") fail("required must be true or false", ["required"]);
    else spec.required = r.required;
  }
  for (const key of ["minimum", "maximum"] as const) {
    if (r[key] === undefined) continue;
    if (typeof r[key] !== "number" || (spec.type !== "number" && spec.type !== "integer")) {
      fail(`${key} must be a number, on a number or integer parameter`, [key]);
    } else spec[key] = r[key] as number;
  }
  if (r.pattern !== undefined) {
    try {
      if (typeof r.pattern !== "string" || spec.type !== "string") throw new Error();
      new RegExp(r.pattern, "u");
      spec.pattern = r.pattern;
    } catch {
      fail("pattern must be a valid regular expression, on a string parameter", ["pattern"]);
    }
  }
  if (r.items !== undefined) {
    if (spec.type !== "array") fail("items is only for `type: array`", ["items"]);
    else {
      const items = parseSpec(r.items, [...path, "items"], problems);
      if (items) spec.items = items;
    }
  }
  if (r.properties !== undefined) {
    if (spec.type !== "object" || !r.properties || typeof r.properties !== "object") {
      fail("properties is a map of field specs, only for `type: object`", ["properties"]);
    } else {
      spec.properties = {};
      for (const [k, v] of Object.entries(r.properties)) {
        const p = parseSpec(v, [...path, "properties", k], problems);
        if (p) spec.properties[k] = p;
      }
    }
  }
  if (r.enum !== undefined) {
    if (!Array.isArray(r.enum) || r.enum.length === 0) {
      fail("enum is a non-empty list of the allowed values", ["enum"]);
    } else {
      spec.enum = r.enum;
      const bad = r.enum.find((v) => !validator({ ...spec, enum: undefined }).safeParse(v).success);
      if (bad !== undefined) {
        fail(`enum value ${JSON.stringify(bad)} is not a ${spec.type}`, ["enum"]);
      }
    }
  }
  if (r.default !== undefined) {
    const check = validator(spec).safeParse(r.default);
    if (!check.success) {
      const name = String(path[path.length - 1]);
      const problem = parameterProblem(
        { ...check.error.issues[0], path: [name, ...check.error.issues[0].path] } as never,
        {
          parameters: { [name]: spec },
          input: { [name]: r.default },
        },
      );
      fail(`default ${JSON.stringify(r.default)} does not fit: ${problem}`, ["default"]);
    } else spec.default = r.default;
    if (spec.required) fail("a parameter with a default is not required; drop one", ["default"]);
  }
  return spec;
}

/** The zod validator of one parameter (without required/default handling). */
function validator(spec: ParameterSpec): z.ZodType {
  let t: z.ZodType;
  switch (spec.type) {
    case "string": {
      let s = z.string();
      if (spec.pattern !== undefined) s = s.regex(new RegExp(spec.pattern, "u"));
      t = s;
      break;
    }
    case "number":
    case "integer": {
      let n = spec.type === "integer" ? z.number().int() : z.number();
      if (spec.minimum !== undefined) n = n.min(spec.minimum);
      if (spec.maximum !== undefined) n = n.max(spec.maximum);
      t = n;
      break;
    }
    case "boolean":
      t = z.boolean();
      break;
    case "array":
      t = z.array(spec.items ? field(spec.items) : z.unknown());
      break;
    case "object":
      t = spec.properties
        ? z.object(Object.fromEntries(
          Object.entries(spec.properties).map(([k, v]) => [k, field(v)]),
        ))
        : z.record(z.string(), z.unknown());
      break;
  }
  if (spec.enum) {
    const allowed = spec.enum;
    t = t.refine((v) => allowed.some((a) => JSON.stringify(a) === JSON.stringify(v)), {
      message: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
    });
  }
  return t;
}

function field(spec: ParameterSpec): z.ZodType {
  const t = validator(spec);
  if (spec.default !== undefined) return t.default(spec.default as never);
  return spec.required ? t : t.optional();
}

/**
 * The validator of a whole invocation input: an object of the parameters, unknown keys refused,
 * defaults filled in.
 */
export function parametersValidator(parameters: Record<string, ParameterSpec>): z.ZodType {
  return z.strictObject(
    Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, field(v)])),
  );
}

/** JSON Schema (draft 2020-12) of one parameter. */
function specSchema(spec: ParameterSpec): Record<string, unknown> {
  const s: Record<string, unknown> = { type: spec.type };
  if (spec.description !== undefined) s.description = spec.description;
  if (spec.enum !== undefined) s.enum = spec.enum;
  if (spec.default !== undefined) s.default = spec.default;
  if (spec.minimum !== undefined) s.minimum = spec.minimum;
  if (spec.maximum !== undefined) s.maximum = spec.maximum;
  if (spec.pattern !== undefined) s.pattern = spec.pattern;
  if (spec.items !== undefined) s.items = specSchema(spec.items);
  if (spec.properties !== undefined) {
    s.properties = Object.fromEntries(
      Object.entries(spec.properties).map(([k, v]) => [k, specSchema(v)]),
    );
    const required = Object.entries(spec.properties).filter(([, v]) => v.required).map(([k]) => k);
    if (required.length) s.required = required;
  }
  return s;
}

/**
 * The JSON Schema of a plugin's input.
 *
 * @example
 * ```ts
 * import { parametersSchema, parseParameters } from "./parameters.ts";
 * const { parameters } = parseParameters({ expression: { type: "string", required: true } });
 * parametersSchema(parameters);
 * // { type: "object", properties: { expression: { type: "string" } },
 * //   required: ["expression"], additionalProperties: false }
 * ```
 */
export function parametersSchema(
  parameters: Record<string, ParameterSpec>,
): Record<string, unknown> {
  const required = Object.entries(parameters).filter(([, v]) => v.required).map(([k]) => k);
  return {
    type: "object",
    properties: Object.fromEntries(
      Object.entries(parameters).map(([k, v]) => [k, specSchema(v)]),
    ),
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  };
}

/**
 * The manifest's `returns` as JSON Schema. Accepts JSON Schema as is, and the shorthand of the
 * spec example (`properties: { result: number }`), where a property's value is just its type.
 */
export function returnsSchema(value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return { type: value };
  if (typeof value !== "object" || Array.isArray(value)) return null;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (out.properties && typeof out.properties === "object") {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, unknown>).map((
        [k, v],
      ) => [k, typeof v === "string" ? { type: v } : returnsSchema(v) ?? v]),
    );
  }
  if (out.items !== undefined) out.items = returnsSchema(out.items) ?? out.items;
  return out;
}
