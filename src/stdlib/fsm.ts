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
 * import { Machines } from "./fsm.ts";
 * // const machines = new Machines(host); // host: the sandbox's StdlibHost
 * // machines.create("doc-1", definition, {}); machines.transition("doc-1", "submit");
 * ```
 *
 * @module
 */
import { type Json, options, StdlibError, str } from "./errors.ts";
import type { StdlibHost } from "./host.ts";
import {
  HISTORY_LIMIT,
  type HistoryEntry,
  type Machine,
  machineDot,
  parseMachine,
  type Transition,
} from "./fsm_definition.ts";

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
    const { machine, report } = parseMachine(def);
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
    const { machine, report } = parseMachine(target);
    if (!report.ok) throw new StdlibError("E_INVALID_MACHINE", report.errors.join("; "));
    return machineDot(machine, "machine", null);
  }
}

function truthy(v: Json): boolean {
  return v !== null && v !== false;
}
