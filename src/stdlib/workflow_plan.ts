/**
 * Workflow definitions: parsing the tasks, validation (missing dependencies, malformed tasks, and
 * every cycle named in dependency order) and the topological order by levels. Running a
 * workflow is in `workflow.ts`.
 *
 * @example
 * ```ts
 * import { validateWorkflow } from "./workflow_plan.ts";
 * validateWorkflow({ tasks: { a: { run: "a", deps: ["b"] }, b: { run: "b", deps: ["a"] } } })
 *   .errors[0].message; // "cycle: a → b → a"
 * ```
 *
 * @module
 */
import { int, type Json, num, options } from "./errors.ts";
import { type FunctionRef, isFunctionRef } from "./host.ts";

/** One task of a parsed workflow. */
export interface Task {
  id: string;
  deps: string[];
  run?: FunctionRef;
  plugin?: string;
  params?: Json;
  fn?: string;
  retries?: number;
  backoffMs?: number;
}

/** A problem found by validation. */
export interface WorkflowProblem {
  [key: string]: Json;
  code: "missing_dependency" | "cycle" | "bad_task";
  message: string;
  task: string | null;
}

/** What {@link validateWorkflow} reports. */
export interface WorkflowReport {
  [key: string]: Json;
  ok: boolean;
  errors: WorkflowProblem[];
  /** Every task in an order that respects the dependencies (empty when invalid). */
  order: string[];
  /** Tasks by level: each level depends only on earlier ones (what could run side by side). */
  levels: string[][];
}

/** Most tasks in one workflow. */
export const MAX_TASKS = 10_000;

/** Parse a definition into its tasks, with the problems found on the way. */
export function parseTasks(
  def: Json,
): { name: string; tasks: Task[]; problems: WorkflowProblem[] } {
  const d = options(def, "a workflow definition");
  const problems: WorkflowProblem[] = [];
  const raw: [string, Json][] = [];
  if (Array.isArray(d.tasks)) {
    d.tasks.forEach((t, i) => {
      const id = t && typeof t === "object" && !Array.isArray(t) ? t.id ?? t.name : undefined;
      if (typeof id !== "string" || !id) {
        problems.push({ code: "bad_task", task: null, message: `task ${i + 1} has no id` });
      } else raw.push([id, t]);
    });
  } else if (d.tasks && typeof d.tasks === "object") {
    raw.push(...Object.entries(d.tasks));
  } else {
    problems.push({
      code: "bad_task",
      task: null,
      message: "tasks is missing: a table of id = {run or plugin, deps}",
    });
  }
  if (raw.length > MAX_TASKS) {
    problems.push({ code: "bad_task", task: null, message: `more than ${MAX_TASKS} tasks` });
  }
  const tasks: Task[] = [];
  const seen = new Set<string>();
  for (const [id, spec] of raw) {
    const bad = (message: string) => problems.push({ code: "bad_task", task: id, message });
    if (seen.has(id)) {
      bad(`task ${id} is defined twice`);
      continue;
    }
    seen.add(id);
    const o = spec && typeof spec === "object" && !Array.isArray(spec) ? spec : {};
    const deps = o.deps ?? o.depends_on ?? [];
    if (!Array.isArray(deps) || deps.some((x) => typeof x !== "string")) {
      bad(`task ${id}: deps must be a list of task ids`);
      continue;
    }
    const t: Task = { id, deps: [...new Set(deps as string[])] };
    if (o.run !== undefined && o.run !== null) {
      if (!isFunctionRef(o.run)) bad(`task ${id}: run must be a function (or a function's name)`);
      t.run = o.run as FunctionRef;
    }
    if (typeof o.plugin === "string") t.plugin = o.plugin;
    if ((t.run === undefined) === (t.plugin === undefined)) {
      bad(`task ${id} needs exactly one of run (a function) or plugin (a plugin name)`);
    }
    if (o.params !== undefined) t.params = o.params;
    if (typeof o.fn === "string") t.fn = o.fn;
    if (o.retries !== undefined) {
      t.retries = int(o.retries, `task ${id} retries`, { min: 0, max: 100 });
    }
    if (o.backoff_ms !== undefined) t.backoffMs = num(o.backoff_ms, `task ${id} backoff_ms`);
    tasks.push(t);
  }
  const ids = new Set(tasks.map((t) => t.id));
  for (const t of tasks) {
    for (const dep of t.deps) {
      if (!ids.has(dep)) {
        problems.push({
          code: "missing_dependency",
          task: t.id,
          message: `task ${t.id} depends on ${dep}, which is not a task`,
        });
      }
    }
  }
  return { name: typeof d.name === "string" ? d.name : "workflow", tasks, problems };
}

/** Kahn's algorithm by levels; what is left over lies on or behind a cycle. */
function levelsOf(tasks: Task[]): { levels: string[][]; left: Set<string> } {
  const ids = new Set(tasks.map((t) => t.id));
  const waiting = new Map(tasks.map((t) => [t.id, t.deps.filter((d) => ids.has(d)).length]));
  const dependents = new Map<string, string[]>();
  for (const t of tasks) {
    for (const d of t.deps) if (ids.has(d)) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
  }
  const levels: string[][] = [];
  let level = tasks.filter((t) => waiting.get(t.id) === 0).map((t) => t.id);
  const left = new Set(ids);
  while (level.length) {
    levels.push(level);
    const next: string[] = [];
    for (const id of level) {
      left.delete(id);
      for (const x of dependents.get(id) ?? []) {
        const n = waiting.get(x)! - 1;
        waiting.set(x, n);
        if (n === 0) next.push(x);
      }
    }
    level = next;
  }
  return { levels, left };
}

/** The distinct cycles among `left`, each as `a → b → … → a` (dependency direction). */
function cyclesAmong(tasks: Task[], left: Set<string>): string[][] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const cycles: string[][] = [];
  const keys = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string) => {
    state.set(id, 1);
    stack.push(id);
    for (const d of byId.get(id)!.deps) {
      if (!left.has(d)) continue;
      if (state.get(d) === 1) {
        const cycle = stack.slice(stack.indexOf(d));
        // The same cycle found from another start is one cycle: key it by its rotation.
        const min = cycle.indexOf([...cycle].sort()[0]);
        const canon = [...cycle.slice(min), ...cycle.slice(0, min)];
        const key = canon.join("\u0000");
        if (!keys.has(key) && cycles.length < 20) {
          keys.add(key);
          cycles.push([...canon, canon[0]]);
        }
      } else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(id, 2);
  };
  for (const id of [...left].sort()) if (!state.has(id)) visit(id);
  return cycles;
}

/** `workflow.validate(definition)`: `{ok, errors, order, levels}`. */
export function validateWorkflow(def: Json): WorkflowReport {
  const { tasks, problems } = parseTasks(def);
  const { levels, left } = levelsOf(tasks);
  for (const cycle of cyclesAmong(tasks, left)) {
    problems.push({ code: "cycle", task: cycle[0], message: `cycle: ${cycle.join(" → ")}` });
  }
  const ok = problems.length === 0;
  return { ok, errors: problems, order: ok ? levels.flat() : [], levels: ok ? levels : [] };
}
