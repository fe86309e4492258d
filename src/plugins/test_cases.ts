/**
 * The test cases of `cru plugins test` that are written as data: the manifest's `examples` and
 * `*.test.yaml` files beside the plugin, with the fixture kiln each one runs against, and the
 * comparison of what a run produced with what a case expects.
 *
 * A cases file, `dice-roller.test.yaml` (or `dice-roller.<anything>.test.yaml`):
 *
 * ```yaml
 * fixtures: fixtures/campaign   # a folder (relative to this file) copied into every case's kiln
 * notes:                        # and/or notes written into it
 *   Home.md: "# Home\n"
 * cases:
 *   - name: rolls a constant
 *     params: {expression: "5"}
 *     output: {expression: "5", result: 5, rolls: []}   # the whole result
 *   - name: reports the expression
 *     params: {expression: "2d6"}
 *     match: {expression: "2d6"}                        # or only these fields of it
 *   - name: refuses bad notation
 *     params: {expression: "2d"}
 *     error: E_RUNTIME                                  # or an error code
 *     message: two signs                                # whose message contains this
 *   - name: writes the log
 *     fn: other_function
 *     notes: {Extra.md: "..."}                          # per case, added to the fixture
 *     writes:                                           # notes in the kiln after the run
 *       log/today.md: {contains: "rolled"}              # exact text, {contains}, or null
 * ```
 *
 * @module
 */
import * as path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { isWithin } from "../kiln/paths.ts";
import type { Manifest } from "./manifest.ts";

/** The kiln a test runs against: a folder copied, plus notes written. */
export interface Fixture {
  /** Absolute folder copied into the temporary kiln (its `.crucible/` is skipped). */
  dir?: string;
  /** Kiln-relative path → content. */
  notes: Record<string, string>;
}

/** What a case expects. */
export interface Expectation {
  /** The whole result (deep equality). */
  output?: unknown;
  /** A subset of the result: listed object fields, arrays element by element. */
  match?: unknown;
  /** An error code. */
  error?: string;
  /** Text the error message contains. */
  message?: string;
  /** Notes after the run: exact text, `{contains}`, or null for "does not exist". */
  writes?: Record<string, string | { contains: string } | null>;
}

/** One data-driven case. */
export interface DataCase {
  /** Name shown in the report. */
  name: string;
  /** `example` (manifest) or `case` (cases file). */
  kind: "example" | "case";
  /** Function to call (default: the entry). */
  fn?: string;
  /** Parameters. */
  params: Record<string, unknown>;
  /** What must come out. */
  expect: Expectation;
  /** The kiln it runs against. */
  fixture: Fixture;
  /** The cases file it came from. */
  file?: string;
}

/** A cases file that could not be read: reported as a failing test. */
export interface CasesFileProblem {
  /** The file. */
  file: string;
  /** What is wrong. */
  message: string;
}

const notes = z.record(z.string(), z.string());
const writeSpec = z.union([z.string(), z.strictObject({ contains: z.string() }), z.null()]);
const caseSchema = z.strictObject({
  name: z.string().min(1),
  fn: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  fixtures: z.string().optional(),
  notes: notes.optional(),
  output: z.unknown().optional(),
  match: z.unknown().optional(),
  error: z.string().regex(/^E_[A-Z_]+$/, "an error code such as E_RUNTIME").optional(),
  message: z.string().optional(),
  writes: z.record(z.string(), writeSpec).optional(),
});
const fileSchema = z.strictObject({
  fixtures: z.string().optional(),
  notes: notes.optional(),
  cases: z.array(caseSchema).min(1),
});

/** Cases files beside a plugin: `<stem>.test.yaml` and `<stem>.<anything>.test.yaml` (or .yml). */
export function findCasesFiles(pluginFile: string): string[] {
  const dir = path.dirname(pluginFile);
  const stem = path.basename(pluginFile).replace(/\.(rune|lua|md)$/i, "");
  const found: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.isFile) continue;
      if (!/\.test\.ya?ml$/.test(e.name)) continue;
      const base = e.name.replace(/\.test\.ya?ml$/, "");
      if (base === stem || base.startsWith(stem + ".")) found.push(path.join(dir, e.name));
    }
  } catch { /* no folder, no cases */ }
  return found.sort();
}

/** The manifest's examples as cases. */
export function exampleCases(manifest: Manifest, fixture: Fixture): DataCase[] {
  return manifest.examples.map((e, i) => ({
    name: e.description ?? `example ${i + 1} ${short(JSON.stringify(e.input))}`,
    kind: "example",
    params: e.input,
    expect: e.error !== undefined
      ? { error: e.error }
      : e.output !== undefined
      ? { output: e.output }
      : {},
    fixture,
  }));
}

function short(text: string): string {
  return text.length > 60 ? text.slice(0, 59) + "…" : text;
}

/** Read a cases file; its top-level fixture is returned for the plugin's other tests too. */
export function readCasesFile(
  file: string,
): { cases: DataCase[]; fixture: Fixture } | CasesFileProblem {
  let data: unknown;
  try {
    data = parse(Deno.readTextFileSync(file));
  } catch (e) {
    return { file, message: `cannot read the cases file: ${(e as Error).message}` };
  }
  const checked = fileSchema.safeParse(data);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return {
      file,
      message: `${issue.path.join(".") || "the file"}: ${issue.message} ` +
        "(a cases file has cases: [{name, params, output | match | error, writes}], " +
        "and optional fixtures and notes)",
    };
  }
  const dir = path.dirname(file);
  const refused = confinementProblem(file, checked.data);
  if (refused) return { file, message: refused };
  const top: Fixture = {
    ...(checked.data.fixtures ? { dir: path.resolve(dir, checked.data.fixtures) } : {}),
    notes: checked.data.notes ?? {},
  };
  const cases = checked.data.cases.map((c): DataCase => ({
    name: c.name,
    kind: "case",
    ...(c.fn ? { fn: c.fn } : {}),
    params: c.params ?? {},
    expect: {
      ...(c.output !== undefined ? { output: c.output } : {}),
      ...(c.match !== undefined ? { match: c.match } : {}),
      ...(c.error !== undefined ? { error: c.error } : {}),
      ...(c.message !== undefined ? { message: c.message } : {}),
      ...(c.writes !== undefined ? { writes: c.writes } : {}),
    },
    fixture: {
      ...(c.fixtures ? { dir: path.resolve(dir, c.fixtures) } : top.dir ? { dir: top.dir } : {}),
      notes: { ...top.notes, ...c.notes },
    },
    file,
  }));
  return { cases, fixture: top };
}

/**
 * Why a cases file reaches outside its plugin's folder, or null. A cases file comes with the
 * plugin (maybe from a shared kiln), so `fixtures` must name a folder inside the plugin's own
 * folder (no absolute path, no `..` out, no symlink resolving out) and `notes`/`writes` keys must
 * be kiln-relative paths that stay inside the throwaway kiln.
 */
function confinementProblem(file: string, data: z.infer<typeof fileSchema>): string | null {
  const dir = path.dirname(file);
  const where = (c: string | null, field: string) =>
    `E_PATH: ${path.basename(file)}${c === null ? "" : `, case ${JSON.stringify(c)}`}, ${field}`;
  const scopes: { name: string | null; fixtures?: string; keys: [string, string[]][] }[] = [
    { name: null, fixtures: data.fixtures, keys: [["notes", Object.keys(data.notes ?? {})]] },
    ...data.cases.map((c) => ({
      name: c.name,
      fixtures: c.fixtures,
      keys: [["notes", Object.keys(c.notes ?? {})], ["writes", Object.keys(c.writes ?? {})]] as [
        string,
        string[],
      ][],
    })),
  ];
  for (const s of scopes) {
    if (s.fixtures !== undefined) {
      const why = folderEscape(dir, s.fixtures);
      if (why) {
        return `${where(s.name, "fixtures")}: ${JSON.stringify(s.fixtures)} ${why}; ` +
          "fixtures must be a folder inside the plugin's folder, named relative to the cases file";
      }
    }
    for (const [field, keys] of s.keys) {
      for (const key of keys) {
        if (path.isAbsolute(key) || escapes(path.normalize(key))) {
          return `${where(s.name, field)}: ${JSON.stringify(key)} is not a kiln-relative path; ` +
            "name notes relative to the test kiln, without a leading / or ..";
        }
      }
    }
  }
  return null;
}

/** Why `rel` (relative to `dir`) does not stay inside `dir`, or null when it does. */
function folderEscape(dir: string, rel: string): string | null {
  if (path.isAbsolute(rel)) return "is an absolute path";
  const abs = path.resolve(dir, rel);
  if (escapes(path.relative(dir, abs))) return "leaves the plugin's folder";
  let real: string;
  try {
    real = Deno.realPathSync(abs);
    if (!Deno.statSync(real).isDirectory) throw new Error();
  } catch {
    return "is not a folder beside the cases file";
  }
  if (!isWithin(Deno.realPathSync(dir), real)) {
    return "resolves through a symlink to outside the plugin's folder";
  }
  return null;
}

function escapes(rel: string): boolean {
  return rel === ".." || rel.startsWith(".." + path.sep) || path.isAbsolute(rel);
}

/** Create a temporary kiln holding the fixture; the caller removes it. */
export function materialize(fixture: Fixture): string {
  const root = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "cru-test-kiln-" }));
  if (fixture.dir) copyTree(fixture.dir, root);
  for (const [rel, text] of Object.entries(fixture.notes)) {
    const abs = path.resolve(root, rel);
    if (!abs.startsWith(root + path.sep)) continue;
    Deno.mkdirSync(path.dirname(abs), { recursive: true });
    Deno.writeTextFileSync(abs, text);
  }
  return root;
}

function copyTree(from: string, to: string): void {
  for (const e of Deno.readDirSync(from)) {
    if (e.name === ".crucible") continue;
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory) {
      Deno.mkdirSync(dst, { recursive: true });
      copyTree(src, dst);
    } else if (e.isFile) Deno.copyFileSync(src, dst);
  }
}

/** JSON deep equality (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as never)[k], (b as never)[k]));
}

/** Whether `actual` has everything `expected` lists (objects by field, arrays by element). */
export function jsonMatch(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== "object" || expected === null) return actual === expected;
  if (typeof actual !== "object" || actual === null) return false;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length &&
      expected.every((v, i) => jsonMatch(actual[i], v));
  }
  if (Array.isArray(actual)) return false;
  return Object.entries(expected).every(([k, v]) =>
    Object.hasOwn(actual, k) && jsonMatch((actual as Record<string, unknown>)[k], v)
  );
}

/** Check the writes a case expects against the kiln after the run; the first mismatch, or null. */
export function checkWrites(kilnRoot: string, writes: Expectation["writes"]): string | null {
  for (const [rel, want] of Object.entries(writes ?? {})) {
    let text: string | null = null;
    try {
      // Only files inside the throwaway kiln are read back (never through a symlink out of it).
      const real = Deno.realPathSync(path.resolve(kilnRoot, rel));
      if (isWithin(kilnRoot, real)) text = Deno.readTextFileSync(real);
    } catch { /* missing */ }
    if (want === null) {
      if (text !== null) return `${rel} exists, but the case expects no such note`;
    } else if (text === null) {
      return `${rel} was not written`;
    } else if (typeof want === "string") {
      if (text !== want) {
        return `${rel} holds ${JSON.stringify(text)}, expected ${JSON.stringify(want)}`;
      }
    } else if (!text.includes(want.contains)) {
      return `${rel} does not contain ${JSON.stringify(want.contains)}: ${JSON.stringify(text)}`;
    }
  }
  return null;
}
