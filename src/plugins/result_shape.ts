/**
 * A Lua result in the shape its manifest declares. A Lua table cannot say whether it is an empty
 * list or an empty map, so an empty table crosses as `{}`; where the manifest's `returns` schema
 * says a value is an array, that `{}` is the empty list the plugin meant and becomes `[]`.
 *
 * @module
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

function says(schema: Schema, type: string): boolean {
  const t = schema.type;
  return t === type || (Array.isArray(t) && t.includes(type));
}

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * `value` with every empty object that the schema declares an array replaced by `[]`, at any
 * depth the schema describes (`properties`, `items`). Anything else is returned unchanged, and a
 * value that does not fit the schema is left for whoever checks it.
 *
 * @example
 * ```ts
 * import { emptyTablesAsLists } from "./result_shape.ts";
 * const schema = { type: "object", properties: { created: { type: "array" } } };
 * emptyTablesAsLists({ created: {} }, schema); // { created: [] }
 * ```
 */
export function emptyTablesAsLists(value: Json, schema: unknown, depth = 0): Json {
  if (!isSchema(schema) || depth > 64 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!isSchema(items)) return value;
    let changed = false;
    const out = value.map((v) => {
      const shaped = emptyTablesAsLists(v, items, depth + 1);
      if (shaped !== v) changed = true;
      return shaped;
    });
    return changed ? out : value;
  }
  const keys = Object.keys(value);
  if (keys.length === 0 && says(schema, "array") && !says(schema, "object")) return [];
  const properties = schema.properties;
  if (!isSchema(properties)) return value;
  let out: { [key: string]: Json } | null = null;
  for (const key of keys) {
    if (!Object.hasOwn(properties, key)) continue;
    const shaped = emptyTablesAsLists(value[key], properties[key], depth + 1);
    if (shaped !== value[key]) (out ??= { ...value })[key] = shaped;
  }
  return out ?? value;
}
