/**
 * JSON and YAML text to and from plain data. Everything returned is JSON data; YAML that holds
 * something JSON cannot (dates, binary, non-finite numbers) is converted or refused clearly.
 *
 * @example
 * ```ts
 * import { jsonDecode, yamlStringify } from "./data.ts";
 * jsonDecode('{"a": [1, 2]}'); // { a: [1, 2] }
 * yamlStringify({ title: "Hi", tags: ["a"] }); // "title: Hi\ntags:\n  - a\n"
 * ```
 *
 * @module
 */
import process from "node:process";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { invalid, type Json, options, StdlibError, str } from "./errors.ts";

/** Largest text the JSON and YAML functions accept, in characters. */
export const MAX_DATA_TEXT = 16 * 1024 * 1024;

function bounded(text: string, what: string): string {
  if (text.length > MAX_DATA_TEXT) {
    throw new StdlibError("E_PAYLOAD_TOO_LARGE", `${what} is over ${MAX_DATA_TEXT} characters`);
  }
  return text;
}

/**
 * npm:yaml reads `process.env.LOG_TOKENS` / `LOG_STREAM` while parsing; where env access is not
 * permitted (a sandbox) that read throws. The parse is synchronous, so an empty `env` around it
 * is invisible to other code (as in src/kiln/frontmatter.ts).
 */
function withoutEnvReads<T>(run: () => T): T {
  const env = process.env;
  process.env = {};
  try {
    return run();
  } finally {
    process.env = env;
  }
}

/** Plain JSON data from anything a parser produced (dates become ISO strings). */
export function plain(v: unknown, depth = 0): Json {
  if (depth > 64) invalid("the data is nested more than 64 levels");
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) invalid(`the data holds ${v}, which JSON cannot hold`);
    return v;
  }
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (v instanceof Map) {
    const out: Record<string, Json> = {};
    for (const [k, x] of v) out[String(k)] = plain(x, depth + 1);
    return out;
  }
  if (typeof v === "object") {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x !== undefined) out[k] = plain(x, depth + 1);
    }
    return out;
  }
  invalid(`a ${typeof v} is not data`);
}

/** `json.encode(value, {pretty, indent})`: compact JSON text (keys in insertion order). */
export function jsonEncode(value: Json, opts?: Json): string {
  const o = options(opts, "json.encode options");
  const indent = o.pretty === true ? (typeof o.indent === "number" ? o.indent : 2) : undefined;
  return JSON.stringify(value ?? null, null, indent);
}

/** `json.pretty(value, indent?)`: indented JSON text. */
export function jsonPretty(value: Json, indent?: Json): string {
  const n = indent === undefined || indent === null ? 2 : indent;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 10) {
    invalid("json.pretty indent must be a whole number from 0 to 10");
  }
  return JSON.stringify(value ?? null, null, n);
}

/** `json.decode(text)`: data; malformed text is E_PARSE with the position. */
export function jsonDecode(text: Json): Json {
  const t = bounded(str(text, "json.decode(text)"), "json.decode text");
  try {
    return plain(JSON.parse(t));
  } catch (e) {
    if (e instanceof StdlibError) throw e;
    throw new StdlibError("E_PARSE", `json.decode: ${(e as Error).message}`);
  }
}

/** `yaml.parse(text)`: data (YAML 1.2; timestamps stay strings). */
export function yamlParse(text: Json): Json {
  const t = bounded(str(text, "yaml.parse(text)"), "yaml.parse text");
  try {
    // maxAliasCount bounds "billion laughs" alias expansion.
    return plain(withoutEnvReads(() => parseYaml(t, { maxAliasCount: 100 })));
  } catch (e) {
    if (e instanceof StdlibError) throw e;
    throw new StdlibError("E_PARSE", `yaml.parse: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** `yaml.stringify(value)`: YAML text. */
export function yamlStringify(value: Json): string {
  return withoutEnvReads(() => stringifyYaml(value ?? null));
}
