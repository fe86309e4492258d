/**
 * Finite state machines for plugins: a definition (states, transitions with optional guards and
 * actions, an initial state) is validated, then instances — many per plugin, each under its own
 * id — move between states by events. Entry and exit callbacks are plugin functions called
 * through the host; an instance's state and history are saved through the state API after every
 * change and restored when the same id is created again in a later invocation.
 *
 * Order of one transition: guard → exit callback of the current state → the transition's action
 * → state changes → entry callback of the new state. If a callback fails, the state is left as
 * it was and nothing is saved.
 *
 * @example
 * ```ts
 * import { validateMachine } from "./fsm.ts";
 * validateMachine({
 *   initial: "draft",
 *   states: ["draft", "review", "done"],
 *   transitions: [{ from: "draft", event: "submit", to: "review" }],
 * }).warnings; // ["state done is unreachable from the initial state draft"]
 * ```
 *
 * @module
 */
import { type Json, options, StdlibError, str } from "./errors.ts";
import { type FunctionRef, isFunctionRef, type StdlibHost } from "./host.ts";

/** One transition of a parsed definition. */
export interface Transition {
  from: string;
  event: string;
  to: string;
  guard?: FunctionRef;
  action?: FunctionRef;
}

/** A parsed, valid definition. */
export interface Machine {
  initial: string;
  states: Map<string, { on_enter?: FunctionRef; on_exit?: FunctionRef; final: boolean }>;
  transitions: Transition[];
}

/** Result of {@link validateMachine}. */
export interface MachineReport {
  [key: string]: Json;
  ok: boolean;
  errors: string[];
  warnings: string[];
}

/** One entry of an instance's history. */
export interface HistoryEntry {
  [key: string]: Json;
  from: string;
  to: string;
  event: string;
  at: string;
}

/** Most history entries kept per instance. */
export const HISTORY_LIMIT = 200;

function parse(def: Json): { machine: Machine; report: MachineReport } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const d = options(def, "a state machine definition");
  const states = new Map<
    string,
    { on_enter?: FunctionRef; on_exit?: FunctionRef; final: boolean }
  >();
  const callback = (v: Json | undefined, what: string): FunctionRef | undefined => {
    if (v === undefined || v === null) return undefined;
    if (isFunctionRef(v)) return v;
    errors.push(`${what} must be a function (or a function's name)`);
    return undefined;
  };
  if (Array.isArray(d.states)) {
    for (const s of d.states) {
      if (typeof s !== "string" || !s) errors.push("state names must be non-empty strings");
      else if (states.has(s)) errors.push(`state ${s} is listed twice`);
      else states.set(s, { final: false });
    }
  } else if (d.states && typeof d.states === "object") {
    for (const [name, spec] of Object.entries(d.states)) {
      const o = spec && typeof spec === "object" && !Array.isArray(spec) ? spec : {};
      states.set(name, {
        on_enter: callback(o.on_enter, `state ${name}'s on_enter`),
        on_exit: callback(o.on_exit, `state ${name}'s on_exit`),
        final: o.final === true,
      });
    }
  } else {
    errors.push(
      "states is missing: a list of names, or a table of name = {on_enter, on_exit, final}",
    );
  }
  if (Array.isArray(d.final)) {
    for (const f of d.final) {
      const s = typeof f === "string" ? states.get(f) : undefined;
      if (s) s.final = true;
      else errors.push(`final state ${JSON.stringify(f)} is not a state`);
    }
  }
  const initial = typeof d.initial === "string" ? d.initial : "";
  if (!initial) errors.push("initial is missing: name the state instances start in");
  else if (states.size && !states.has(initial)) {
    errors.push(
      `initial state ${initial} is not one of the states (${[...states.keys()].join(", ")})`,
    );
  }
  const transitions: Transition[] = [];
  const list = d.transitions ?? [];
  if (!Array.isArray(list)) errors.push("transitions must be a list of {from, event, to}");
  else {
    list.forEach((t, i) => {
      const o = t && typeof t === "object" && !Array.isArray(t) ? t : {};
      const what = `transition ${i + 1}`;
      const froms = o.from === "*" ? [...states.keys()] : Array.isArray(o.from) ? o.from : [o.from];
      if (typeof o.event !== "string" || !o.event) {
        errors.push(`${what} has no event name`);
        return;
      }
      if (typeof o.to !== "string" || !states.has(o.to)) {
        errors.push(`${what} (${o.event}) goes to unknown state ${JSON.stringify(o.to ?? null)}`);
        return;
      }
      for (const from of froms) {
        if (typeof from !== "string" || !states.has(from)) {
          errors.push(
            `${what} (${o.event}) starts from unknown state ${JSON.stringify(from ?? null)}`,
          );
          continue;
        }
        transitions.push({
          from,
          event: o.event,
          to: o.to,
          guard: callback(o.guard, `${what}'s guard`),
          action: callback(o.action, `${what}'s action`),
        });
      }
    });
  }
  // Ambiguity: two ways out of one state on one event, where the earlier one has no guard (the
  // later one could never be taken) — guarded alternatives are tried in order and are fine.
  const seen = new Map<string, Transition>();
  for (const t of transitions) {
    const key = `${t.from}\u0000${t.event}`;
    const before = seen.get(key);
    if (before && !before.guard) {
      errors.push(
        `ambiguous transitions: ${t.from} --${t.event}--> ${before.to} and ${t.to}; ` +
          `give the first a guard or use different events`,
      );
    }
    if (!before || !before.guard) seen.set(key, t);
  }
  for (const [name, s] of states) {
    if (s.final && transitions.some((t) => t.from === name)) {
      warnings.push(`final state ${name} has transitions out of it`);
    }
  }
  if (initial && states.has(initial)) {
    const reached = new Set([initial]);
    const queue = [initial];
    while (queue.length) {
      const s = queue.shift()!;
      for (const t of transitions) {
        if (t.from === s && !reached.has(t.to)) {
          reached.add(t.to);
          queue.push(t.to);
        }
      }
    }
    for (const name of states.keys()) {
      if (!reached.has(name)) {
        warnings.push(`state ${name} is unreachable from the initial state ${initial}`);
      }
    }
  }
  return {
    machine: { initial, states, transitions },
    report: { ok: errors.length === 0, errors, warnings },
  };
}

/** `fsm.validate(definition)`: `{ok, errors, warnings}` (unreachable states are warnings). */
export function validateMachine(def: Json): MachineReport {
  return parse(def).report;
}

/** Graphviz text of a machine, the current state filled, final states double circles. */
export function machineDot(m: Machine, name: string, current: string | null): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    `digraph ${q(name)} {`,
    "  rankdir=LR;",
    '  node [shape=circle, fontname="sans-serif"];',
  ];
  lines.push('  "__start" [shape=point, label=""];', `  "__start" -> ${q(m.initial)};`);
  for (const [s, info] of m.states) {
    const attrs: string[] = [];
    if (info.final) attrs.push("shape=doublecircle");
    if (s === current) attrs.push("style=filled", 'fillcolor="#ffd966"', "penwidth=2");
    lines.push(`  ${q(s)}${attrs.length ? ` [${attrs.join(", ")}]` : ""};`);
  }
  for (const t of m.transitions) {
    const label = t.guard ? `${t.event} [guarded]` : t.event;
    lines.push(`  ${q(t.from)} -> ${q(t.to)} [label=${q(label)}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

interface Instance {
  id: string;
  machine: Machine;
  state: string;
  history: HistoryEntry[];
  persist: boolean;
  scope: Json;
  restored: boolean;
}

/** The state key an instance is saved under. */
export function stateKey(id: string): string {
  return `fsm:${id}`;
}

/** The machines of one invocation. */
export class Machines {
  #host: StdlibHost;
  #instances = new Map<string, Instance>();

  /** @param host the services instances use (state, callbacks) */
  constructor(host: StdlibHost) {
    this.#host = host;
  }

  /**
   * `fsm.create(id, definition, {persist, scope, reset})`: an instance, restored from the state
   * API when one was saved under this id (unless `reset`), else in the initial state (whose
   * entry callback then runs).
   */
  create(id: Json, def: Json, opts?: Json): Json {
    const name = str(id, "fsm.create(id)");
    if (!name) throw new StdlibError("E_INVALID_PARAMS", "an instance id must not be empty");
    const o = options(opts, "fsm.create options");
    const { machine, report } = parse(def);
    if (!report.ok) {
      throw new StdlibError(
        "E_INVALID_MACHINE",
        `state machine ${name} is not valid: ${report.errors.join("; ")}`,
      );
    }
    const persist = o.persist !== false;
    const scope = o.scope === undefined ? null : o.scope;
    const inst: Instance = {
      id: name,
      machine,
      state: machine.initial,
      history: [],
      persist,
      scope,
      restored: false,
    };
    if (persist && o.reset !== true) {
      const saved = this.#state("state.get", [stateKey(name), this.#scopeArg(inst)]);
      if (
        saved && typeof saved === "object" && !Array.isArray(saved) &&
        typeof saved.state === "string"
      ) {
        if (machine.states.has(saved.state)) {
          inst.state = saved.state;
          inst.history = Array.isArray(saved.history) ? (saved.history as HistoryEntry[]) : [];
          inst.restored = true;
        }
      }
    }
    this.#instances.set(name, inst);
    if (!inst.restored) {
      const enter = machine.states.get(machine.initial)?.on_enter;
      if (enter) {
        this.#host.callFunction(enter, [this.#context(inst, null, machine.initial, null, null)]);
      }
      this.#save(inst);
    }
    return this.#snapshot(inst);
  }

  /** A state API call, with a message that says what to do when StateManage is missing. */
  #state(binding: string, args: Json[]): Json {
    try {
      return this.#host.call(binding, args);
    } catch (e) {
      if ((e as { code?: string }).code === "E_CAPABILITY") {
        throw new StdlibError(
          "E_CAPABILITY",
          `state machines are saved through the state API, which needs StateManage: declare ` +
            `it in the manifest, or create the machine with {persist = false} ` +
            `(${(e as Error).message})`,
        );
      }
      throw e;
    }
  }

  #scopeArg(inst: Instance): Json {
    return inst.scope === null ? null : { scope: inst.scope };
  }

  #get(id: Json): Instance {
    const name = str(id, "the instance id");
    const inst = this.#instances.get(name);
    if (!inst) {
      throw new StdlibError(
        "E_NOT_FOUND",
        `no state machine ${JSON.stringify(name)} in this invocation; create it first with ` +
          `fsm.create(id, definition) (a saved one is restored then)`,
      );
    }
    return inst;
  }

  #context(
    inst: Instance,
    from: string | null,
    to: string,
    event: string | null,
    payload: Json,
  ): Json {
    return { machine: inst.id, from, to, event, payload, state: inst.state };
  }

  #save(inst: Instance): void {
    if (!inst.persist) return;
    this.#state("state.set", [
      stateKey(inst.id),
      { state: inst.state, history: inst.history, saved: new Date().toISOString() },
      this.#scopeArg(inst),
    ]);
  }

  #events(inst: Instance): string[] {
    return [
      ...new Set(inst.machine.transitions.filter((t) => t.from === inst.state).map((t) => t.event)),
    ];
  }

  #snapshot(inst: Instance): Json {
    return {
      id: inst.id,
      state: inst.state,
      final: inst.machine.states.get(inst.state)?.final ?? false,
      events: this.#events(inst),
      history: inst.history,
      restored: inst.restored,
    };
  }

  /** `fsm.get(id)`: `{id, state, final, events, history, restored}`. */
  get(id: Json): Json {
    return this.#snapshot(this.#get(id));
  }

  /** `fsm.state(id)`: the current state's name. */
  state(id: Json): string {
    return this.#get(id).state;
  }

  /** `fsm.can(id, event)`: is there a transition on `event` from the current state? (guards not run) */
  can(id: Json, event: Json): boolean {
    const inst = this.#get(id);
    const e = str(event, "fsm.can(event)");
    return inst.machine.transitions.some((t) => t.from === inst.state && t.event === e);
  }

  /**
   * `fsm.transition(id, event, payload?)`: `{ok = true, from, to, event, state, final}`, or
   * `{ok = false, from, event, reason}` when no transition (or no passing guard) allows it.
   */
  transition(id: Json, event: Json, payload?: Json): Json {
    const inst = this.#get(id);
    const e = str(event, "fsm.transition(event)");
    const from = inst.state;
    const candidates = inst.machine.transitions.filter((t) => t.from === from && t.event === e);
    if (candidates.length === 0) {
      const events = this.#events(inst);
      return {
        ok: false,
        from,
        event: e,
        reason: `no transition on ${e} from ${from}` +
          (events.length ? ` (possible: ${events.join(", ")})` : " (it has no transitions out)"),
      };
    }
    const p = payload ?? null;
    let chosen: Transition | undefined;
    for (const t of candidates) {
      if (
        !t.guard ||
        truthy(this.#host.callFunction(t.guard, [this.#context(inst, from, t.to, e, p)]))
      ) {
        chosen = t;
        break;
      }
    }
    if (!chosen) {
      return { ok: false, from, event: e, reason: `the guard refused ${e} from ${from}` };
    }
    const to = chosen.to;
    const exit = inst.machine.states.get(from)?.on_exit;
    if (exit) this.#host.callFunction(exit, [this.#context(inst, from, to, e, p)]);
    if (chosen.action) {
      this.#host.callFunction(chosen.action, [this.#context(inst, from, to, e, p)]);
    }
    inst.state = to;
    try {
      const enter = inst.machine.states.get(to)?.on_enter;
      if (enter) this.#host.callFunction(enter, [this.#context(inst, from, to, e, p)]);
    } catch (err) {
      inst.state = from;
      throw err;
    }
    const entry: HistoryEntry = { from, to, event: e, at: new Date().toISOString() };
    if (payload !== undefined && payload !== null) entry.payload = payload;
    inst.history.push(entry);
    if (inst.history.length > HISTORY_LIMIT) {
      inst.history.splice(0, inst.history.length - HISTORY_LIMIT);
    }
    this.#save(inst);
    return {
      ok: true,
      from,
      to,
      event: e,
      state: to,
      final: inst.machine.states.get(to)?.final ?? false,
    };
  }

  /** `fsm.history(id)`. */
  history(id: Json): Json {
    return this.#get(id).history;
  }

  /** `fsm.reset(id)`: back to the initial state with an empty history (entry callback runs). */
  reset(id: Json): Json {
    const inst = this.#get(id);
    inst.state = inst.machine.initial;
    inst.history = [];
    inst.restored = false;
    const enter = inst.machine.states.get(inst.state)?.on_enter;
    if (enter) this.#host.callFunction(enter, [this.#context(inst, null, inst.state, null, null)]);
    this.#save(inst);
    return this.#snapshot(inst);
  }

  /** `fsm.delete(id, {scope})`: forget the instance and its saved state; true if one was saved. */
  delete(id: Json, opts?: Json): boolean {
    const name = str(id, "fsm.delete(id)");
    const o = options(opts, "fsm.delete options");
    const inst = this.#instances.get(name);
    this.#instances.delete(name);
    if (inst && !inst.persist) return false;
    const scope = inst ? inst.scope : o.scope ?? null;
    return this.#host.call("state.delete", [stateKey(name), scope === null ? null : { scope }]) ===
      true;
  }

  /** `fsm.list({scope})`: ids of saved instances. */
  list(opts?: Json): string[] {
    const o = options(opts, "fsm.list options");
    const keys = this.#host.call("state.keys", [o.scope === undefined ? null : { scope: o.scope }]);
    return (Array.isArray(keys) ? keys : []).filter((k): k is string =>
      typeof k === "string" && k.startsWith("fsm:")
    )
      .map((k) => k.slice(4)).sort();
  }

  /** `fsm.to_dot(id_or_definition)`: Graphviz text. */
  toDot(target: Json): string {
    if (typeof target === "string") {
      const inst = this.#get(target);
      return machineDot(inst.machine, inst.id, inst.state);
    }
    const { machine, report } = parse(target);
    if (!report.ok) throw new StdlibError("E_INVALID_MACHINE", report.errors.join("; "));
    return machineDot(machine, "machine", null);
  }
}

function truthy(v: Json): boolean {
  return v !== null && v !== false;
}
