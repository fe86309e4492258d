/**
 * THE binding table: every `crucible.*` function a plugin can call, defined once. Lua bindings,
 * Rune bindings, the docs, `describe_plugin` output and editor stubs are generated from it.
 *
 * Each binding names the capability it needs (null for pure utilities), where it runs (`worker`:
 * inside the sandbox, under the worker's Deno permissions; `host`: in the trusted process over
 * RPC, where the host checks the grant again), its positional parameters and result, and whether
 * it is available yet. Calling one that is not available raises a clear error, never a nil.
 *
 * This module is imported by the worker runtime, so it holds data only: no host code.
 *
 * @module
 */
import type { CapabilityName } from "../security/capability.ts";
import { STDLIB_BINDINGS } from "./bindings_stdlib.ts";

/** A parameter of a binding (positional). */
export interface BindingParam {
  /** Name, as shown in docs and stubs. */
  name: string;
  /** JSON type: string, integer, number, boolean, object, array, any. */
  type: "string" | "integer" | "number" | "boolean" | "object" | "array" | "any";
  /** May be omitted (trailing parameters only). */
  optional?: boolean;
  /** What it means. */
  doc: string;
}

/** One binding. */
export interface BindingSpec {
  /** Dotted name under `crucible` (`read_note`, `graph.backlinks`). */
  name: string;
  /** The capability it needs, or null for pure utilities. */
  capability: CapabilityName | null;
  /** Where it runs. */
  runs: "worker" | "host";
  /** Positional parameters. */
  params: BindingParam[];
  /** The result, described for docs and stubs (a type plus fields). */
  returns: string;
  /** One paragraph of documentation. */
  doc: string;
  /** False until the binding is implemented: calls raise E_NOT_AVAILABLE. */
  available: boolean;
  /** Its arguments may hold plugin functions, passed as references (docs/stdlib.md). */
  callbacks?: boolean;
}

const p = (
  name: string,
  type: BindingParam["type"],
  doc: string,
  optional = false,
): BindingParam => ({ name, type, doc, ...(optional ? { optional } : {}) });

/** Every binding, in documentation order. */
export const BINDINGS: readonly BindingSpec[] = [
  {
    name: "read_note",
    capability: "KilnRead",
    runs: "worker",
    params: [p("path", "string", "kiln-relative path of the note, with or without .md")],
    returns: "{path, title, frontmatter, content, content_line, tags, links, word_count, " +
      "modified} (content_line: the file line the body starts on, after the frontmatter)",
    doc: "Read one note: its frontmatter, body text, tags and outgoing link targets.",
    available: true,
  },
  {
    name: "list_notes",
    capability: "KilnRead",
    runs: "host",
    params: [
      p("folder", "string", "kiln-relative folder (default: the whole kiln)", true),
      p(
        "options",
        "object",
        "{recursive, tag, where, limit, fields (any of path, title, tags, word_count, " +
          "modified, frontmatter, aliases, headings, bytes)}",
        true,
      ),
    ],
    returns: "[{path, title, tags, word_count, modified}]",
    doc: "List notes, optionally in one folder, with a tag, or matching frontmatter filters " +
      '(`where = {"status=alive"}` or `where = {status = "alive"}`; at most 50 filters of ' +
      "1,000 characters each, else E_INVALID_PARAMS).",
    available: true,
  },
  {
    name: "search",
    capability: "KilnRead",
    runs: "host",
    params: [
      p(
        "query",
        "string",
        'words (all required), "phrases", prefix*, a OR b, -excluded; at most 1,000 characters',
      ),
      p(
        "options",
        "object",
        "{limit (default 20, max 100), where (frontmatter filters), mode: text (default, " +
          "full-text BM25), semantic (by meaning: cosine of note vectors) or hybrid (both, " +
          "fused by reciprocal rank)}",
        true,
      ),
    ],
    returns: "[{path, title, score, snippet}] (score: BM25 for text, cosine for semantic, " +
      "fused rank score for hybrid)",
    doc: "Search the kiln, best match first. semantic and hybrid find notes by meaning too, " +
      "with offline word vectors (or the embeddings service the user configured); -word " +
      "excludes notes containing the word in every mode.",
    available: true,
  },
  {
    name: "write_note",
    capability: "KilnWrite",
    runs: "host",
    params: [
      p("path", "string", "kiln-relative path of the note to create or replace"),
      p("content", "string", "the body (Markdown)"),
      p("frontmatter", "object", "frontmatter to write above the body", true),
    ],
    returns: "{path, created, word_count, bytes}",
    doc: "Create or replace a note. The write is atomic and journaled first, so it can be undone.",
    available: true,
  },
  {
    name: "graph.backlinks",
    capability: "KilnRead",
    runs: "host",
    params: [p("note", "string", "path, name or alias of the note")],
    returns: "[{path, title, line}]",
    doc: "Notes that link to a note.",
    available: true,
  },
  {
    name: "graph.forwardlinks",
    capability: "KilnRead",
    runs: "host",
    params: [p("note", "string", "path, name or alias of the note")],
    returns: "[{target, path, line}] (path is null for unresolved links)",
    doc: "Links out of a note and where each leads.",
    available: true,
  },
  {
    name: "graph.traverse",
    capability: "KilnRead",
    runs: "host",
    params: [
      p("start", "string", "path, name or alias of the first note"),
      p(
        "options",
        "object",
        "{strategy: bfs (default), dfs, backlinks or semantic; depth (default 3, max 10); " +
          "limit (default 100); where (frontmatter filters)}",
        true,
      ),
    ],
    returns: "[{path, title, depth, via}] in visiting order, the start first (depth 0, via nil); " +
      "semantic adds score, the similarity to the start note",
    doc: "Walk the link graph from a note: bfs and dfs follow links out, backlinks follows " +
      "links in; semantic follows links both ways, always visiting next the reached note " +
      "closest in meaning to the start note (its nodes also carry that similarity as score).",
    available: true,
  },
  {
    name: "state.get",
    capability: "StateManage",
    runs: "host",
    params: [p("key", "string", "state key"), p("options", "object", "{scope}", true)],
    returns: "the stored value, or nil",
    doc: "Read a value this plugin stored.",
    available: true,
  },
  {
    name: "state.set",
    capability: "StateManage",
    runs: "host",
    params: [
      p("key", "string", "state key"),
      p("value", "any", "any JSON value"),
      p("options", "object", '{ttl (seconds or "10m"), scope (plugin, kiln, global)}', true),
    ],
    returns: "nil",
    doc: "Store a value that outlives the invocation.",
    available: true,
  },
  {
    name: "state.increment",
    capability: "StateManage",
    runs: "host",
    params: [
      p("key", "string", "state key"),
      p("by", "number", "what to add (default 1; negative subtracts)", true),
      p("options", "object", '{ttl (seconds or "10m"), scope (plugin, kiln, global)}', true),
    ],
    returns: "number (the new value)",
    doc: "Add to a stored number (a missing key counts as 0) in one step: concurrent runs never " +
      "lose each other's updates, as a state.get followed by a state.set can.",
    available: true,
  },
  {
    name: "state.delete",
    capability: "StateManage",
    runs: "host",
    params: [p("key", "string", "state key"), p("options", "object", "{scope}", true)],
    returns: "boolean (true when the key was there)",
    doc: "Forget a stored value.",
    available: true,
  },
  {
    name: "state.keys",
    capability: "StateManage",
    runs: "host",
    params: [p("options", "object", "{scope}", true)],
    returns: "[key]",
    doc: "The keys this plugin stored.",
    available: true,
  },
  {
    name: "invoke_plugin",
    capability: "PluginInvoke",
    runs: "host",
    params: [
      p("name", "string", "plugin name"),
      p("params", "object", "its parameters", true),
      p("fn", "string", "a function other than its entry", true),
    ],
    returns: "the other plugin's result",
    doc: "Call another plugin, in its own sandbox with its own grant (never the caller's). " +
      "Needs PluginInvoke for that plugin; declared dependencies are in PluginInvoke's list " +
      "and are approved like it. Cycles are refused (E_CYCLE).",
    available: true,
  },
  {
    name: "http.request",
    // NetworkHttp or NetworkHttps by the URL's scheme; the host checks the host list too.
    capability: "NetworkHttps",
    runs: "host",
    params: [
      p("url", "string", "http:// or https:// URL on a declared host"),
      p("options", "object", "{method, headers, body, timeout}", true),
    ],
    returns: "{status, headers, body}",
    doc: "Make an HTTP(S) request to a host listed in the plugin's Network capability.",
    available: true,
  },
  {
    name: "http.get",
    capability: "NetworkHttps",
    runs: "host",
    params: [
      p("url", "string", "http:// or https:// URL on a declared host"),
      p("options", "object", "{headers, timeout}", true),
    ],
    returns: "{status, headers, body}",
    doc: "An HTTP(S) GET: http.request with the method filled in.",
    available: true,
  },
  {
    name: "http.post",
    capability: "NetworkHttps",
    runs: "host",
    params: [
      p("url", "string", "http:// or https:// URL on a declared host"),
      p("body", "any", "text, or a table sent as JSON"),
      p("options", "object", "{headers, timeout}", true),
    ],
    returns: "{status, headers, body}",
    doc: "An HTTP(S) POST: http.request with the method and body filled in.",
    available: true,
  },
  {
    name: "fs.read",
    capability: "FsRead",
    runs: "worker",
    params: [p("path", "string", "absolute path inside a path the FsRead capability lists")],
    returns: "string (the file's UTF-8 text)",
    doc: "Read a text file outside the kiln, within the paths of the plugin's FsRead.",
    available: true,
  },
  {
    name: "fs.list",
    capability: "FsRead",
    runs: "worker",
    params: [p("dir", "string", "absolute path of a folder inside an FsRead path")],
    returns: "[{name, type}] sorted by name; type is file, dir or other",
    doc: "List a folder outside the kiln, within the paths of the plugin's FsRead.",
    available: true,
  },
  {
    name: "fs.write",
    capability: "FsWrite",
    runs: "host",
    params: [
      p("path", "string", "absolute path of a file inside a folder the FsWrite capability lists"),
      p("content", "string", "the file's new UTF-8 text"),
    ],
    returns: "{path, created, bytes}",
    doc: "Create or replace a text file outside the kiln, within the paths of the plugin's " +
      "FsWrite. The host writes it atomically after journaling the previous content, so " +
      "`cru undo` restores it; a dry run only records the write. The kiln, the user's " +
      "configuration and the compile cache can never be written this way.",
    available: true,
  },
  {
    name: "batch",
    capability: null,
    runs: "worker",
    params: [
      p("calls", "array", 'a list of calls, each {"binding name", args...}, at most 1000'),
    ],
    returns: "[{ok = true, value} or {ok = false, error = {code, message}}] in the same order",
    doc: "Make many calls at once: host calls travel together in one round trip, so bulk " +
      "reads and searches are not bound by the host's latency. Each call is checked as if " +
      "made alone; one failing does not stop the others.",
    available: true,
  },
  {
    name: "random.int",
    capability: null,
    runs: "worker",
    params: [
      p("min", "integer", "smallest value"),
      p("max", "integer", "largest value (inclusive)"),
    ],
    returns: "integer",
    doc: "A uniformly random integer from min to max inclusive (from the system's secure " +
      "random source; Rune has no random module of its own here).",
    available: true,
  },
  {
    name: "time.now",
    capability: null,
    runs: "worker",
    params: [],
    returns: "number (milliseconds since the epoch)",
    doc: "The current time (plugins get no os.time/os.date).",
    available: true,
  },
  {
    name: "time.iso",
    capability: null,
    runs: "worker",
    params: [p("ms", "number", "milliseconds since the epoch (default: now)", true)],
    returns: "string",
    doc: "A time as an ISO 8601 string in UTC.",
    available: true,
  },
  {
    name: "log",
    capability: null,
    runs: "worker",
    params: [p("message", "any", "text or value to log")],
    returns: "nil",
    doc: "Write a line to the plugin's log (shown by `cru plugins run`).",
    available: true,
  },
  ...STDLIB_BINDINGS,
];

const byName = new Map(BINDINGS.map((b) => [b.name, b]));

/** The binding with this name. */
export function binding(name: string): BindingSpec | undefined {
  return byName.get(name);
}
