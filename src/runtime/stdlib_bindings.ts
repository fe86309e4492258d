/**
 * The worker half of the standard library: one session per invocation, answering the stdlib's
 * worker-side bindings by calling into `src/stdlib`, and giving the library what it needs from
 * the sandbox (other bindings, plugin callbacks through the engine, sleeping, the stop check).
 *
 * @module
 */
import * as lib from "../stdlib/mod.ts";
import type { FunctionRef, StdlibHost } from "../stdlib/host.ts";
import { PluginError } from "./engine.ts";
import type { Json } from "./protocol.ts";

/** What a session needs from the invocation. */
export interface StdlibSessionOptions {
  /** Call any binding as the plugin would (capability checks and audit included). */
  call(binding: string, args: Json[]): Json;
  /** Call a plugin function through the engine. */
  callFunction(ref: FunctionRef, args: Json[]): Json;
  /** True once the host asked the invocation to stop. */
  shouldStop(): boolean;
}

type Impl = (s: Session, a: Json[]) => Json;

interface Session {
  host: StdlibHost;
  machines: lib.Machines;
}

const graphOf = (v: Json) => lib.buildGraph(v);

const IMPLS: Record<string, Impl> = {
  "fsm.validate": (_s, [d]) => lib.validateMachine(d),
  "fsm.create": (s, [id, d, o]) => s.machines.create(id, d, o),
  "fsm.transition": (s, [id, e, payload]) => s.machines.transition(id, e, payload),
  "fsm.can": (s, [id, e]) => s.machines.can(id, e),
  "fsm.state": (s, [id]) => s.machines.state(id),
  "fsm.get": (s, [id]) => s.machines.get(id),
  "fsm.history": (s, [id]) => s.machines.history(id),
  "fsm.reset": (s, [id]) => s.machines.reset(id),
  "fsm.delete": (s, [id, o]) => s.machines.delete(id, o),
  "fsm.list": (s, [o]) => s.machines.list(o),
  "fsm.to_dot": (s, [t]) => s.machines.toDot(t),
  "algo.pagerank": (_s, [g, o]) => lib.pagerank(graphOf(g), o ?? null),
  "algo.communities": (_s, [g, o]) => lib.communities(graphOf(g), o ?? null),
  "algo.shortest_path": (_s, [g, a, b, o]) =>
    lib.shortestPath(
      graphOf(g),
      lib.str(a, "algo.shortest_path(from)"),
      lib.str(b, "algo.shortest_path(to)"),
      o ?? null,
    ),
  "algo.bfs": (s, [g, start, o]) => walk(s, "bfs", g, start, o),
  "algo.dfs": (s, [g, start, o]) => walk(s, "dfs", g, start, o),
  "workflow.validate": (_s, [d]) => lib.validateWorkflow(d),
  "workflow.run": (s, [d, o]) => lib.runWorkflow(s.host, d, o),
  "json.encode": (_s, [v, o]) => lib.jsonEncode(v ?? null, o),
  "json.decode": (_s, [t]) => lib.jsonDecode(t),
  "json.pretty": (_s, [v, n]) => lib.jsonPretty(v ?? null, n),
  "yaml.parse": (_s, [t]) => lib.yamlParse(t),
  "yaml.stringify": (_s, [v]) => lib.yamlStringify(v ?? null),
  "regex.is_match": (_s, [p, t, f]) => lib.regexTest(p, t, f),
  "regex.find": (_s, [p, t, f]) => lib.regexMatch(p, t, f),
  "regex.find_all": (s, [p, t, f]) => lib.regexFindAll(p, t, f, () => s.host.checkStop()),
  "regex.captures": (_s, [p, t, f]) => lib.regexCaptures(p, t, f),
  "regex.replace": (_s, [p, t, r, o]) => lib.regexReplace(p, t, r, o),
  "regex.split": (_s, [p, t, n]) => lib.regexSplit(p, t, n),
  "regex.escape": (_s, [t]) => lib.regexEscape(t),
  "time.parse": (_s, [t, o]) => lib.timeParse(t, o),
  "time.format": (_s, [ms, pat, o]) => lib.timeFormat(ms, pat, o),
  "time.add": (_s, [ms, a, o]) => lib.timeAdd(ms, a, o),
  "time.diff": (_s, [a, b, u]) => lib.timeDiff(a, b, u),
  "time.parts": (_s, [ms, o]) => lib.timeParts(ms, o),
  "text.slugify": (_s, [t, o]) => lib.slugify(t, o),
  "text.truncate": (_s, [t, n, o]) => lib.truncate(t, n, o),
  "text.wrap": (_s, [t, w]) => lib.wrap(t, w),
  "text.case": (_s, [t, style]) => lib.convertCase(t, style),
  "text.words": (_s, [t]) => lib.words(t),
  "text.levenshtein": (_s, [a, b]) => lib.levenshtein(a, b),
  "text.similarity": (_s, [a, b]) => lib.similarity(a, b),
  "text.pad": (_s, [t, w, o]) => lib.pad(t, w, o),
  "text.template": (_s, [t, v]) => lib.template(t, v),
  "path.join": (_s, [parts]) => lib.pathJoin(parts),
  "path.normalize": (_s, [x]) => lib.pathNormalize(x),
  "path.basename": (_s, [x, e]) => lib.pathBasename(x, e),
  "path.dirname": (_s, [x]) => lib.pathDirname(x),
  "path.extname": (_s, [x]) => lib.pathExtname(x),
  "path.stem": (_s, [x]) => lib.pathStem(x),
  "path.relative": (_s, [a, b]) => lib.pathRelative(a, b),
  "path.split": (_s, [x]) => lib.pathSplit(x),
};

function walk(s: Session, order: "bfs" | "dfs", g: Json, start: Json, o: Json | undefined): Json {
  const options = lib.walkOptions(order, o ?? null);
  options.stop = () => s.host.checkStop();
  const visits = lib.walk(graphOf(g), lib.str(start, `algo.${order}(start)`), options);
  return visits;
}

/** The names this module implements (a test checks every worker-side stdlib binding is here). */
export const STDLIB_WORKER_NAMES: ReadonlySet<string> = new Set(Object.keys(IMPLS));

// Sleeping blocks the worker thread (plugin code is synchronous); in slices, so a stop request
// is seen within SLICE_MS.
const SLICE_MS = 50;
let sleeper: Int32Array | null = null;

function sleepSync(ms: number, checkStop: () => void): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  const end = Date.now() + ms;
  for (let left = ms; left > 0; left = end - Date.now()) {
    checkStop();
    Atomics.wait(sleeper, 0, 0, Math.min(left, SLICE_MS));
  }
  checkStop();
}

/** One invocation's standard library. */
export function createStdlibSession(o: StdlibSessionOptions): {
  has(name: string): boolean;
  call(name: string, args: Json[]): Json;
} {
  const checkStop = () => {
    if (o.shouldStop()) {
      throw new PluginError("E_TIMEOUT", "the invocation was stopped (out of time or cancelled)");
    }
  };
  const host: StdlibHost = {
    call: (name, args) => o.call(name, args),
    callFunction: (ref, args) => o.callFunction(ref, args),
    sleep: (ms) => sleepSync(ms, checkStop),
    checkStop,
  };
  let session: Session | null = null;
  return {
    has: (name) => Object.hasOwn(IMPLS, name),
    call(name, args) {
      session ??= { host, machines: new lib.Machines(host) };
      try {
        return IMPLS[name](session, args);
      } catch (e) {
        if (e instanceof lib.StdlibError) throw new PluginError(e.code, e.message);
        throw e;
      }
    },
  };
}
