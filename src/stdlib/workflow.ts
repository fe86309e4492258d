/**
 * DAG workflows: tasks with dependencies, validated (missing dependencies and every cycle named),
 * ordered topologically, and run sequentially or in parallel up to a limit, with retries and
 * exponential backoff, dependents skipped after a task fails for good, outputs passed to
 * dependents, progress events, and a report that says what ran, failed and was skipped.
 *
 * A task is a plugin function (`run`, called back through the host with `{task, input, deps,
 * attempt}`) or another plugin's invocation (`plugin`, `params`, `fn`). Plugin invocations are
 * started through the host without waiting (`invoke_plugin_start`) and collected as they finish
 * (`invoke_plugin_wait`), so they genuinely run at the same time, each in its own sandbox.
 * Function tasks run in the calling plugin's single engine: one at a time, interleaved with
 * (and overlapping) the plugin invocations in flight.
 *
 * @example
 * ```ts
 * import { runWorkflow } from "./workflow.ts";
 * // runWorkflow(host, { tasks: { a: { run: { $fn: 1 } }, b: { run: { $fn: 2 }, deps: ["a"] } } });
 * ```
 *
 * @module
 */
import { codeOf, FATAL_CODES, int, type Json, num, options, StdlibError } from "./errors.ts";
import { type FunctionRef, isFunctionRef, type StdlibHost } from "./host.ts";
import { parseTasks, type Task, validateWorkflow } from "./workflow_plan.ts";

/** Options of a run, from JSON. */
interface RunOptions {
  parallel: number;
  retries: number;
  backoffMs: number;
  backoffFactor: number;
  maxBackoffMs: number;
  input: Json;
  failFast: boolean;
  progress: boolean;
  onProgress?: FunctionRef;
}

function runOptions(opts: Json | undefined): RunOptions {
  const o = options(opts, "workflow.run options");
  if (o.on_progress !== undefined && o.on_progress !== null && !isFunctionRef(o.on_progress)) {
    throw new StdlibError("E_INVALID_PARAMS", "on_progress must be a function");
  }
  return {
    parallel: int(o.parallel, "parallel", { min: 1, max: 64, fallback: 1 }),
    retries: int(o.retries, "retries", { min: 0, max: 100, fallback: 0 }),
    backoffMs: num(o.backoff_ms, "backoff_ms", 100),
    backoffFactor: num(o.backoff_factor, "backoff_factor", 2),
    maxBackoffMs: num(o.max_backoff_ms, "max_backoff_ms", 30_000),
    input: o.input ?? null,
    failFast: o.fail_fast === true,
    progress: o.progress !== false,
    onProgress: (o.on_progress ?? undefined) as FunctionRef | undefined,
  };
}

type Status = "pending" | "waiting" | "running" | "ok" | "failed" | "skipped";

interface TaskRun {
  task: Task;
  status: Status;
  attempts: number;
  notBefore: number;
  started: number;
  ended: number;
  error: Json;
  skippedBecause: string | null;
  ticket: string | null;
}

/** A progress event. */
export interface ProgressEvent {
  [key: string]: Json;
  workflow: string;
  task: string;
  status: "started" | "ok" | "retry" | "failed" | "skipped";
  attempt: number;
  done: number;
  total: number;
}

/**
 * `workflow.run(definition, {parallel, retries, backoff_ms, backoff_factor, max_backoff_ms,
 * input, fail_fast, progress, on_progress})`: run every task and report
 * `{ok, status, outputs, tasks, order, failed, skipped, duration_ms}`; `status` is `ok`,
 * `partial` (some tasks failed or were skipped) or `failed` (none succeeded). An invalid
 * definition is E_INVALID_WORKFLOW naming the problems. A stop request (timeout) or a memory
 * failure inside a function task ends the whole run; any other task error is a task failure.
 */
export function runWorkflow(host: StdlibHost, def: Json, opts?: Json): Json {
  const o = runOptions(opts);
  const { name, tasks, problems } = parseTasks(def);
  const report = validateWorkflow(def);
  if (!report.ok || problems.length) {
    throw new StdlibError(
      "E_INVALID_WORKFLOW",
      `workflow ${name} is not valid: ${report.errors.map((e) => e.message).join("; ")}`,
    );
  }
  const started = Date.now();
  const rank = new Map(report.order.map((id, i) => [id, i]));
  const runs = new Map<string, TaskRun>(tasks.map((t) => [t.id, {
    task: t,
    status: "pending",
    attempts: 0,
    notBefore: 0,
    started: 0,
    ended: 0,
    error: null,
    skippedBecause: null,
    ticket: null,
  }]));
  const ordered = [...runs.values()].sort((a, b) => rank.get(a.task.id)! - rank.get(b.task.id)!);
  const dependents = new Map<string, string[]>();
  for (const t of tasks) {
    for (const d of t.deps) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
  }
  const outputs: Record<string, Json> = {};
  const finishedOrder: string[] = [];
  const running = new Map<string, TaskRun>();
  let done = 0;
  let stopNew = false;
  // The tasks that could start (pending, or waiting to retry; every dependency done), plugin
  // tasks and function tasks apart, each in topological order. The scheduler looks only at
  // these, never at every task, so a run stays close to linear in the number of tasks.
  const openPlugins: TaskRun[] = [];
  const openFunctions: TaskRun[] = [];
  let waitingCount = 0;
  const unmet = new Map(tasks.map((t) => [t.id, t.deps.length]));
  const reopen = (r: TaskRun) => {
    const list = r.task.plugin !== undefined ? openPlugins : openFunctions;
    const at = rank.get(r.task.id)!;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rank.get(list[mid].task.id)! < at) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, r);
  };
  const take = (list: TaskRun[], i: number): TaskRun => {
    const [r] = list.splice(i, 1);
    if (r.status === "waiting") waitingCount--;
    r.status = "running";
    r.attempts++;
    r.started = Date.now();
    emit(r, "started");
    return r;
  };
  const earliestRetry = (): number => {
    let t = Infinity;
    for (const list of [openPlugins, openFunctions]) {
      for (const r of list) if (r.status === "waiting" && r.notBefore < t) t = r.notBefore;
    }
    return t;
  };
  for (const r of ordered) if (r.task.deps.length === 0) reopen(r);

  const emit = (r: TaskRun, status: ProgressEvent["status"], extra: Record<string, Json> = {}) => {
    const event: ProgressEvent = {
      workflow: name,
      task: r.task.id,
      status,
      attempt: r.attempts,
      done,
      total: tasks.length,
      ...extra,
    };
    if (o.progress) host.call("progress", [event]);
    if (o.onProgress) host.callFunction(o.onProgress, [event]);
  };
  // Everything downstream of a failed task, depth first (a stack: chains can be 10,000 long).
  const skip = (id: string, because: string) => {
    const stack = [...(dependents.get(id) ?? [])].reverse();
    while (stack.length) {
      const dep = stack.pop()!;
      const r = runs.get(dep)!;
      if (r.status !== "pending") continue;
      r.status = "skipped";
      r.skippedBecause = because;
      done++;
      emit(r, "skipped", { because });
      stack.push(...[...(dependents.get(dep) ?? [])].reverse());
    }
  };
  const context = (r: TaskRun): Json => {
    const deps: Record<string, Json> = {};
    for (const d of r.task.deps) deps[d] = outputs[d] ?? null;
    return { task: r.task.id, input: o.input, deps, attempt: r.attempts };
  };
  const finish = (r: TaskRun, ok: boolean, value: Json, error: Json) => {
    r.ended = Date.now();
    if (ok) {
      r.status = "ok";
      r.error = null;
      outputs[r.task.id] = value;
      finishedOrder.push(r.task.id);
      done++;
      for (const dep of dependents.get(r.task.id) ?? []) {
        const left = unmet.get(dep)! - 1;
        unmet.set(dep, left);
        if (left === 0) reopen(runs.get(dep)!);
      }
      emit(r, "ok", { duration_ms: r.ended - r.started });
      return;
    }
    r.error = error;
    const retries = r.task.retries ?? o.retries;
    if (r.attempts <= retries) {
      const base = r.task.backoffMs ?? o.backoffMs;
      const delay = Math.min(o.maxBackoffMs, base * o.backoffFactor ** (r.attempts - 1));
      r.status = "waiting";
      r.notBefore = Date.now() + delay;
      waitingCount++;
      reopen(r);
      emit(r, "retry", { error, delay_ms: delay });
      return;
    }
    r.status = "failed";
    done++;
    emit(r, "failed", { error });
    skip(r.task.id, r.task.id);
    if (o.failFast) stopNew = true;
  };
  const collect = (reply: Json) => {
    if (!reply || typeof reply !== "object" || Array.isArray(reply)) return;
    const r = running.get(String(reply.ticket));
    if (!r) return;
    running.delete(String(reply.ticket));
    r.ticket = null;
    finish(r, reply.ok === true, reply.value ?? null, reply.error ?? null);
  };

  while (true) {
    host.checkStop();
    if (stopNew) {
      for (const list of [openPlugins, openFunctions]) {
        for (const r of list.splice(0)) {
          r.status = "skipped";
          r.skippedBecause = "fail_fast";
          done++;
          emit(r, "skipped", { because: "fail_fast" });
        }
      }
      for (const r of ordered) {
        if (r.status === "pending") {
          r.status = "skipped";
          r.skippedBecause = "fail_fast";
          done++;
          emit(r, "skipped", { because: "fail_fast" });
        }
      }
      waitingCount = 0;
    }
    const now = Date.now();
    // Plugin invocations first, so they are in flight while a function task runs here.
    for (let i = 0; i < openPlugins.length && running.size < o.parallel;) {
      if (openPlugins[i].status === "waiting" && openPlugins[i].notBefore > now) {
        i++;
        continue;
      }
      const r = take(openPlugins, i);
      try {
        const params = isFunctionRef(r.task.params ?? null) && typeof r.task.params !== "string"
          ? host.callFunction(r.task.params as FunctionRef, [context(r)])
          : r.task.params ?? {};
        const ticket = String(
          host.call("invoke_plugin_start", [r.task.plugin!, params, r.task.fn ?? null]),
        );
        r.ticket = ticket;
        running.set(ticket, r);
      } catch (e) {
        if (FATAL_CODES.has(codeOf(e))) throw e;
        finish(r, false, null, errorJson(e));
      }
    }
    let ranFunction = false;
    if (running.size < o.parallel) {
      const i = openFunctions.findIndex((x) => x.status === "pending" || x.notBefore <= now);
      if (i >= 0) {
        ranFunction = true;
        const r = take(openFunctions, i);
        let value: Json = null;
        let error: Json = null;
        try {
          value = host.callFunction(r.task.run!, [context(r)]);
        } catch (e) {
          if (FATAL_CODES.has(codeOf(e))) throw e;
          error = errorJson(e);
        }
        finish(r, error === null, value, error);
      }
    }
    if (running.size > 0) {
      // After a function task only look at what finished meanwhile; otherwise block until the
      // first invocation finishes (or the next retry is due).
      const due = waitingCount > 0 ? earliestRetry() : Infinity;
      const wait = ranFunction ? 0 : due === Infinity ? null : Math.max(0, due - Date.now());
      collect(host.call("invoke_plugin_wait", [[...running.keys()], wait]));
      continue;
    }
    if (ranFunction) continue;
    const pendingNow = openPlugins.some((r) => r.status === "pending") ||
      openFunctions.some((r) => r.status === "pending");
    if (pendingNow) continue;
    if (waitingCount > 0) {
      host.sleep(Math.max(0, earliestRetry() - Date.now()));
      continue;
    }
    break;
  }
  const taskReport: Record<string, Json> = {};
  for (const r of ordered) {
    taskReport[r.task.id] = {
      status: r.status,
      attempts: r.attempts,
      error: r.error,
      duration_ms: r.ended && r.started ? r.ended - r.started : 0,
      skipped_because: r.skippedBecause,
    };
  }
  const failed = ordered.filter((r) => r.status === "failed").map((r) => r.task.id);
  const skipped = ordered.filter((r) => r.status === "skipped").map((r) => r.task.id);
  const okCount = finishedOrder.length;
  return {
    ok: okCount === tasks.length,
    status: okCount === tasks.length ? "ok" : okCount === 0 ? "failed" : "partial",
    outputs,
    tasks: taskReport,
    order: finishedOrder,
    failed,
    skipped,
    duration_ms: Date.now() - started,
  };
}

function errorJson(e: unknown): Json {
  return { code: codeOf(e), message: e instanceof Error ? e.message : String(e) };
}
