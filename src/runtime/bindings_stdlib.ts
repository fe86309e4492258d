/**
 * The standard library's part of the binding table: state machines (`fsm.*`), graph algorithms
 * on the kiln's link graph (`graph.*`, on the host) and on graphs a plugin builds (`algo.*`, in
 * the worker), workflows (`workflow.*`), concurrent plugin calls (`invoke_plugin_start` /
 * `invoke_plugin_wait`), `progress`, and utilities (`json.*`, `yaml.*`, `regex.*`, `time.*`,
 * `text.*`, `path.*`). Spread into `BINDINGS`; data only, like the rest of the table.
 *
 * Bindings marked `callbacks` take plugin functions inside their arguments: the engine passes
 * each as a function reference (`{"$fn": n}`) and the library calls it back (docs/stdlib.md).
 *
 * @module
 */
import type { BindingParam, BindingSpec } from "./bindings.ts";

const p = (
  name: string,
  type: BindingParam["type"],
  doc: string,
  optional = false,
): BindingParam => ({ name, type, doc, ...(optional ? { optional } : {}) });

/** A pure worker-side utility (no capability). */
function util(
  name: string,
  params: BindingParam[],
  returns: string,
  doc: string,
  extra: Partial<BindingSpec> = {},
): BindingSpec {
  return {
    name,
    capability: null,
    runs: "worker",
    params,
    returns,
    doc,
    available: true,
    ...extra,
  };
}

/** A kiln-graph algorithm on the host (KilnRead). */
function kiln(name: string, params: BindingParam[], returns: string, doc: string): BindingSpec {
  return { name, capability: "KilnRead", runs: "host", params, returns, doc, available: true };
}

const GRAPH = p(
  "graph",
  "object",
  "{nodes = {...} (optional), edges = {{a, b}, {a, b, weight}, ...}, directed = true}",
);
const WALK_OPTIONS = "{depth (default 3), limit, direction: out (default), in or both, " +
  "prune (do not walk through nodes the filter refuses)";

/** The standard library's bindings, in documentation order. */
export const STDLIB_BINDINGS: readonly BindingSpec[] = [
  // --- state machines ---------------------------------------------------------------------
  util(
    "fsm.validate",
    [p("definition", "object", "{initial, states, transitions, final}")],
    "{ok, errors = [text], warnings = [text]}",
    "Check a state machine definition without creating it: unknown states, a missing initial " +
      "state and ambiguous transitions are errors, unreachable states warnings.",
  ),
  util(
    "fsm.create",
    [
      p("id", "string", "instance id (many instances per plugin, one per id)"),
      p(
        "definition",
        "object",
        "{initial, states = {name = {on_enter, on_exit, final}} or {names}, transitions = " +
          '{{from, event, to, guard, action}}}; from may be a list or "*"',
      ),
      p("options", "object", "{persist (default true; needs StateManage), scope, reset}", true),
    ],
    "{id, state, final, events, history, restored}",
    "Create a state machine instance. With persistence on, an instance saved earlier under " +
      "the same id is restored (state and history); otherwise it starts in the initial state " +
      "and that state's on_enter runs.",
    { callbacks: true },
  ),
  util(
    "fsm.transition",
    [
      p("id", "string", "instance id"),
      p("event", "string", "event name"),
      p("payload", "any", "data passed to the callbacks and kept in the history", true),
    ],
    "{ok = true, from, to, event, state, final} or {ok = false, from, event, reason}",
    "Fire an event: guard, on_exit of the current state, the transition's action, the state " +
      "change, on_enter of the new state — then save. A refused move changes nothing.",
  ),
  util(
    "fsm.can",
    [p("id", "string", "instance id"), p("event", "string", "event name")],
    "boolean",
    "Whether the current state has a transition on this event (guards are not run).",
  ),
  util("fsm.state", [p("id", "string", "instance id")], "string", "The current state's name."),
  util(
    "fsm.get",
    [p("id", "string", "instance id")],
    "{id, state, final, events, history, restored}",
    "An instance's current state, the events possible from it, and its history.",
  ),
  util(
    "fsm.history",
    [p("id", "string", "instance id")],
    "[{from, to, event, at, payload}]",
    "The transitions an instance went through, oldest first (the last 200).",
  ),
  util(
    "fsm.reset",
    [p("id", "string", "instance id")],
    "{id, state, final, events, history, restored}",
    "Back to the initial state with an empty history (its on_enter runs), and save.",
  ),
  util(
    "fsm.delete",
    [p("id", "string", "instance id"), p("options", "object", "{scope}", true)],
    "boolean (true when a saved instance was removed)",
    "Forget an instance and its saved state.",
  ),
  util(
    "fsm.list",
    [p("options", "object", "{scope}", true)],
    "[id]",
    "Ids of the instances this plugin has saved.",
  ),
  util(
    "fsm.to_dot",
    [p("target", "any", "an instance id, or a definition")],
    "string (Graphviz dot)",
    "The machine as a Graphviz digraph: states as nodes (final ones double circles), " +
      "transitions as edges labelled with their event, the current state filled.",
  ),
  // --- graph algorithms on the kiln -------------------------------------------------------
  kiln(
    "graph.pagerank",
    [
      p(
        "options",
        "object",
        "{damping (0.85), tolerance (1e-6), max_iterations (100), limit (default 20), folder}",
        true,
      ),
    ],
    "[{path, title, score}], highest first",
    "PageRank of the notes over the kiln's link graph (computed on the host with graphology).",
  ),
  kiln(
    "graph.communities",
    [
      p(
        "options",
        "object",
        "{resolution (1), min_size (default 2), limit (default 50), seed}",
        true,
      ),
    ],
    "{modularity, count, communities = [{id, size, notes = [path]}]}, largest first",
    "Clusters of notes that link among themselves (Louvain modularity, links taken both ways).",
  ),
  kiln(
    "graph.shortest_path",
    [
      p("from", "string", "path, name or alias of the first note"),
      p("to", "string", "path, name or alias of the last note"),
      p("options", "object", "{directed (default true: follow links out only)}", true),
    ],
    "[path] from first to last, or nil when no path exists",
    "The fewest links leading from one note to another.",
  ),
  kiln(
    "graph.bfs",
    [
      p("start", "string", "path, name or alias of the first note"),
      p("options", "object", `${WALK_OPTIONS}, where (frontmatter filters)}`, true),
    ],
    "[{path, title, depth, via}] in visiting order",
    "Breadth-first walk of the link graph from a note, each note once (cycles end there).",
  ),
  kiln(
    "graph.dfs",
    [
      p("start", "string", "path, name or alias of the first note"),
      p("options", "object", `${WALK_OPTIONS}, where (frontmatter filters)}`, true),
    ],
    "[{path, title, depth, via}] in visiting order",
    "Depth-first walk of the link graph from a note, each note once (cycles end there).",
  ),
  // --- graph algorithms on plugin-built graphs --------------------------------------------
  util(
    "algo.pagerank",
    [GRAPH, p("options", "object", "{damping, tolerance, max_iterations, limit, weighted}", true)],
    "[{node, score}], highest first",
    "PageRank of a graph the plugin built.",
  ),
  util(
    "algo.communities",
    [GRAPH, p("options", "object", "{resolution, min_size (default 1), limit, seed}", true)],
    "{modularity, count, communities = [{id, size, nodes}]}",
    "Louvain communities of a graph the plugin built (edge weights count).",
  ),
  util(
    "algo.shortest_path",
    [
      GRAPH,
      p("from", "string", "first node"),
      p("to", "string", "last node"),
      p("options", "object", "{weighted (sum of weights; default: hops), directed}", true),
    ],
    "[node], or nil when there is no path",
    "Shortest path in a graph the plugin built (bidirectional BFS, or Dijkstra when weighted).",
  ),
  util(
    "algo.bfs",
    [GRAPH, p("start", "string", "first node"), p("options", "object", `${WALK_OPTIONS}}`, true)],
    "[{node, depth, via}]",
    "Breadth-first walk of a graph the plugin built.",
  ),
  util(
    "algo.dfs",
    [GRAPH, p("start", "string", "first node"), p("options", "object", `${WALK_OPTIONS}}`, true)],
    "[{node, depth, via}]",
    "Depth-first walk of a graph the plugin built.",
  ),
  // --- workflows --------------------------------------------------------------------------
  util(
    "workflow.validate",
    [p("definition", "object", "{name, tasks = {id = {run or plugin, params, fn, deps}}}")],
    "{ok, errors = [{code, task, message}], order = [id], levels = [[id]]}",
    "Check a workflow: missing dependencies and every cycle (named a → b → a) are errors; " +
      "a valid one comes with a topological order and its levels.",
  ),
  util(
    "workflow.run",
    [
      p(
        "definition",
        "object",
        "{name, tasks = {id = {run = function, or plugin = name with params (table or " +
          "function) and fn; deps, retries, backoff_ms}}}",
      ),
      p(
        "options",
        "object",
        "{parallel (default 1), retries (0), backoff_ms (100), backoff_factor (2), " +
          "max_backoff_ms, input, fail_fast, progress (default true), on_progress}",
        true,
      ),
    ],
    "{ok, status (ok, partial, failed), outputs = {id = value}, tasks = {id = {status, " +
      "attempts, error, duration_ms, skipped_because}}, order, failed, skipped, duration_ms}",
    "Run a DAG of tasks in dependency order. A function task gets {task, input, deps = {id = " +
      "output}, attempt}; a plugin task runs that plugin in its own sandbox (needs PluginInvoke " +
      "for it; a declared dependency is in PluginInvoke's list), several at once up to parallel. Failed tasks are retried " +
      "with exponential backoff; after the last retry their dependents are skipped.",
    { callbacks: true },
  ),
  {
    name: "invoke_plugin_start",
    capability: "PluginInvoke",
    runs: "host",
    params: [
      p("name", "string", "plugin name"),
      p("params", "object", "its parameters", true),
      p("fn", "string", "a function other than its entry", true),
    ],
    returns: "string (a ticket for invoke_plugin_wait)",
    doc: "Start another plugin without waiting for it, so several run at once, each in its own " +
      "sandbox. Same rules as invoke_plugin.",
    available: true,
  },
  {
    name: "invoke_plugin_wait",
    capability: null,
    runs: "host",
    params: [
      p("tickets", "array", "tickets from invoke_plugin_start"),
      p("timeout_ms", "number", "give up after this long (default: wait for one)", true),
    ],
    returns: "{ticket, ok, value, error} of the first to finish, or nil on timeout",
    doc: "Wait for the first of several started plugin calls to finish.",
    available: true,
  },
  {
    name: "progress",
    capability: null,
    runs: "host",
    params: [p("event", "any", "a message, or an object such as {task, status, done, total}")],
    returns: "nil",
    doc: "Report progress while the plugin runs; `cru plugins run` shows it on stderr as it " +
      "happens (workflow.run reports every task this way).",
    available: true,
  },
  // --- utilities --------------------------------------------------------------------------
  util(
    "json.encode",
    [p("value", "any", "data"), p("options", "object", "{pretty, indent}", true)],
    "string",
    "Data as JSON text.",
  ),
  util("json.decode", [p("text", "string", "JSON text")], "the data", "Parse JSON text."),
  util(
    "json.pretty",
    [p("value", "any", "data"), p("indent", "integer", "spaces (default 2)", true)],
    "string",
    "Data as indented JSON text.",
  ),
  util("yaml.parse", [p("text", "string", "YAML text")], "the data", "Parse YAML text."),
  util("yaml.stringify", [p("value", "any", "data")], "string", "Data as YAML text."),
  util(
    "regex.is_match",
    [
      p("pattern", "string", "JavaScript regular expression"),
      p("text", "string", "text to search (at most 1,000,000 characters)"),
      p("flags", "string", "any of i, m, s, u", true),
    ],
    "boolean",
    "Whether the pattern matches somewhere in the text.",
  ),
  util(
    "regex.find",
    [
      p("pattern", "string", "regular expression"),
      p("text", "string", "text to search"),
      p("flags", "string", "any of i, m, s, u", true),
    ],
    "{match, index, groups = [text], named = {name = text}}, or nil",
    "The first match.",
  ),
  util(
    "regex.find_all",
    [
      p("pattern", "string", "regular expression"),
      p("text", "string", "text to search"),
      p("flags", "string", "any of i, m, s, u", true),
    ],
    "[{match, index, groups, named}]",
    "Every match, in order (at most 100,000).",
  ),
  util(
    "regex.captures",
    [
      p("pattern", "string", "regular expression"),
      p("text", "string", "text to search"),
      p("flags", "string", "any of i, m, s, u", true),
    ],
    "[text] (the groups of the first match), or nil",
    "The capture groups of the first match.",
  ),
  util(
    "regex.replace",
    [
      p("pattern", "string", "regular expression"),
      p("text", "string", "text"),
      p("replacement", "string", "replacement; $1, $<name> and $& insert groups"),
      p("options", "object", "{all (default true), flags}", true),
    ],
    "string",
    "Replace matches.",
  ),
  util(
    "regex.split",
    [
      p("pattern", "string", "regular expression"),
      p("text", "string", "text"),
      p("limit", "integer", "most pieces", true),
    ],
    "[text]",
    "Split text at the matches.",
  ),
  util(
    "regex.escape",
    [p("text", "string", "literal text")],
    "string",
    "A pattern that matches the text literally.",
  ),
  util(
    "time.parse",
    [
      p("text", "string", "ISO 8601, a date, a date and time, or an RFC 2822 date"),
      p("options", "object", "{zone: IANA zone for times without an offset (default UTC)}", true),
    ],
    "number (milliseconds since the epoch), or nil when it is not a date",
    "Parse a date or time.",
  ),
  util(
    "time.format",
    [
      p("ms", "number", "milliseconds since the epoch (default: now)", true),
      p(
        "pattern",
        "string",
        "tokens YYYY MM DD HH mm ss SSS MMM MMMM ddd dddd hh h A Z ZZ z, [literal] " +
          "(default ISO 8601)",
        true,
      ),
      p("options", "object", "{zone (default UTC)}", true),
    ],
    "string",
    "Format a time in any IANA time zone.",
  ),
  util(
    "time.add",
    [
      p("ms", "number", "milliseconds since the epoch"),
      p("amount", "any", '{years, months, weeks, days, hours, minutes, seconds, ms} or "1d2h"'),
      p("options", "object", "{zone: whose calendar days and months follow (default UTC)}", true),
    ],
    "number (milliseconds)",
    "Calendar arithmetic: days and months keep the wall-clock time in the zone (across " +
      "daylight-saving changes); hours and smaller add exact durations.",
  ),
  util(
    "time.diff",
    [
      p("a", "number", "earlier time, ms"),
      p("b", "number", "later time, ms"),
      p(
        "unit",
        "string",
        "ms (default), seconds, minutes, hours, days, weeks, months, years",
        true,
      ),
    ],
    "number (b - a in the unit; months and years whole)",
    "The time between two instants.",
  ),
  util(
    "time.parts",
    [
      p("ms", "number", "milliseconds since the epoch (default: now)", true),
      p("options", "object", "{zone (default UTC)}", true),
    ],
    "{year, month, day, hour, minute, second, millisecond, weekday (1 = Monday), " +
      "offset_minutes, zone}",
    "The calendar fields of a time in a zone.",
  ),
  util(
    "text.slugify",
    [p("text", "string", "text"), p("options", "object", '{separator (default "-")}', true)],
    "string",
    "Lower-case ASCII words joined by hyphens (accents folded): a file or URL name.",
  ),
  util(
    "text.truncate",
    [
      p("text", "string", "text"),
      p("length", "integer", "most characters in the result"),
      p("options", "object", '{ellipsis (default "…"), words (cut at a word boundary)}', true),
    ],
    "string",
    "Shorten text to a length, ending in an ellipsis when cut.",
  ),
  util(
    "text.wrap",
    [p("text", "string", "text"), p("width", "integer", "most characters per line")],
    "string",
    "Wrap text at spaces to a width (paragraph breaks kept).",
  ),
  util(
    "text.case",
    [
      p("text", "string", "text"),
      p("style", "string", "lower, upper, title, sentence, snake, kebab, camel, pascal, constant"),
    ],
    "string",
    "Convert between naming styles.",
  ),
  util(
    "text.words",
    [p("text", "string", "text")],
    "[text]",
    "Split text or an identifier (camelCase, snake_case) into words.",
  ),
  util(
    "text.levenshtein",
    [p("a", "string", "text"), p("b", "string", "text")],
    "integer",
    "The edit distance between two texts (each at most 10,000 characters).",
  ),
  util(
    "text.similarity",
    [p("a", "string", "text"), p("b", "string", "text")],
    "number from 0 to 1",
    "How alike two texts are: 1 - edit distance / longer length.",
  ),
  util(
    "text.pad",
    [
      p("text", "string", "text"),
      p("width", "integer", "width to pad to"),
      p("options", "object", "{side: right (default), left or both; fill}", true),
    ],
    "string",
    "Pad text to a width.",
  ),
  util(
    "text.template",
    [p("text", "string", "text with {{name}} or {{a.b}} slots"), p("values", "object", "values")],
    "string",
    "Fill {{name}} slots from a table (missing values become empty).",
  ),
  util("path.join", [p("parts", "array", "path segments")], "string", "Join path segments."),
  util(
    "path.normalize",
    [p("path", "string", "path")],
    "string",
    "Resolve . and .. and fold repeated slashes (pure: never touches the disk).",
  ),
  util(
    "path.basename",
    [p("path", "string", "path"), p("ext", "string", "extension to strip", true)],
    "string",
    "The last segment of a path.",
  ),
  util("path.dirname", [p("path", "string", "path")], "string", "All but the last segment."),
  util(
    "path.extname",
    [p("path", "string", "path")],
    'string (".md", or "")',
    "The extension of the last segment.",
  ),
  util(
    "path.stem",
    [p("path", "string", "path")],
    "string",
    "The last segment without its extension.",
  ),
  util(
    "path.relative",
    [p("from", "string", "path"), p("to", "string", "path")],
    "string",
    "The path from one path to another.",
  ),
  util("path.split", [p("path", "string", "path")], "[text]", "The segments of a path."),
];
