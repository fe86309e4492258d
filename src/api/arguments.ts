/**
 * Reading the loosely typed arguments plugins pass to host bindings: option tables and
 * frontmatter filters, with errors that say which argument was wrong.
 *
 * @module
 */
import { InvalidParamsError } from "../errors.ts";
import {
  MAX_WHERE_FILTERS,
  MAX_WHERE_LENGTH,
  parseWhere,
  type WhereFilter,
} from "../kiln/where.ts";
import type { Json } from "../runtime/protocol.ts";

/** An options table (absent or null → empty); anything else is E_INVALID_PARAMS naming `what`. */
export function obj(v: Json | undefined, what: string): Record<string, Json> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new InvalidParamsError(`${what} must be a table/object`);
  }
  return v;
}

/**
 * Frontmatter filters from `where`: a list of `"key=value"`-style strings, a table of exact
 * matches (`{status = "alive"}`), or one string.
 */
export function whereFilters(v: Json | undefined): WhereFilter[] {
  if (v === undefined || v === null) return [];
  const count = Array.isArray(v) ? v.length : typeof v === "object" ? Object.keys(v).length : 1;
  if (count > MAX_WHERE_FILTERS) {
    throw new InvalidParamsError(
      `where holds ${count} filters, over the limit of ${MAX_WHERE_FILTERS}; filter on fewer keys`,
    );
  }
  if (Array.isArray(v)) return v.map((x) => parseWhere(String(x)));
  if (typeof v === "object") {
    return Object.entries(v).map(([key, value]) => {
      const filter = {
        key,
        op: "=" as const,
        value: typeof value === "string" ? value : JSON.stringify(value),
      };
      if (key.length + filter.value.length > MAX_WHERE_LENGTH) {
        throw new InvalidParamsError(
          `where filter on ${JSON.stringify(key.slice(0, 60))} is over the ` +
            `${MAX_WHERE_LENGTH}-character limit of a where filter; write a shorter key and value`,
        );
      }
      return filter;
    });
  }
  return [parseWhere(String(v))];
}
