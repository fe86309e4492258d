/**
 * State machine definitions: parsing and validation (unknown states, a missing initial state,
 * ambiguous transitions; unreachable states as warnings) and the Graphviz picture. Instances
 * that move between states are in `fsm.ts`.
 *
 * @example
 * ```ts
 * import { validateMachine } from "./fsm_definition.ts";
 * validateMachine({
 *   initial: "draft",
 *   states: ["draft", "review", "done"],
 *   transitions: [{ from: "draft", event: "submit", to: "review" }],
 * }).warnings; // ["state done is unreachable from the initial state draft"]
 * ```
 *
 * @module
 */
import { type Json, options } from "./errors.ts";
import { type FunctionRef, isFunctionRef } from "./host.ts";

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

/** Parse a definition into a machine, with every problem found. */
export function parseMachine(def: Json): { machine: Machine; report: MachineReport } {
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
  return parseMachine(def).report;
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
