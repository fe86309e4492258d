/**
 * The meter: the instruction budget and the memory account of the program that is running.
 *
 * Compiled code counts its steps at every function entry and loop back-edge in a variable of its
 * module and calls {@link tickSlice} when that slice is used up; built-ins that loop natively
 * decrement `meter.b` per element and call {@link tick}. A tick adds the slice to the steps used,
 * polls the host's stop callback and the deadline, checks the budget, and raises `E_TIMEOUT` when
 * any of them says stop, or hands out the next slice. Memory is charged by the runtime as strings,
 * vectors, objects and other containers grow (and credited when they shrink); past the limit the
 * optional heap measurement gets a say, then `E_MEMORY`.
 *
 * There is one meter per JavaScript realm; the VM saves and restores it around every entry so
 * programs do not share budgets.
 *
 * @module
 */
import { RuneError } from "./errors.ts";

/** Steps between two ticks. */
export const SLICE = 10_000;

/** The mutable state of the running program's limits. */
export interface MeterState {
  /** Steps left in the current slice (decremented by compiled code). */
  b: number;
  /** Steps used in earlier slices. */
  used: number;
  /** Size of the current slice. */
  slice: number;
  /** Total step budget. */
  budget: number;
  /** Wall-clock deadline (ms since the epoch), or Infinity. */
  deadline: number;
  /** Host stop request. */
  shouldStop: (() => boolean) | null;
  /** Bytes charged. */
  mem: number;
  /**
   * The part of {@link mem} charged for text added a megabyte or more at a time (`repeat`, a
   * string added to itself): V8 keeps such text as a tree of shared pieces that the heap
   * measurement does not see until something flattens it, so the measurement never forgives it.
   */
  text: number;
  /** Memory limit in bytes. */
  memLimit: number;
  /** Optional real measurement of the program's heap use, consulted before E_MEMORY. */
  measure: (() => number) | null;
  /**
   * The size of the running program's own slice: compiled code counts its steps in a variable of
   * its module (`$B`), starting from this many, and calls {@link tickSlice} when it runs out.
   */
  cb: number;
}

/** The meter of the running program. */
export const meter: MeterState = {
  b: SLICE,
  used: 0,
  slice: SLICE,
  budget: Infinity,
  deadline: Infinity,
  shouldStop: null,
  mem: 0,
  text: 0,
  memLimit: Infinity,
  measure: null,
  cb: SLICE,
};

/** Called when the slice is used up: refill it or stop the program. */
export function tick(): void {
  meter.used += meter.slice - meter.b;
  meter.b = 0; // until refilled, so a stopped program keeps stopping
  meter.slice = Math.min(SLICE, stepsLeft());
  meter.b = meter.slice;
}

/** Check the stop request, the deadline and the budget; the steps the budget has left. */
function stepsLeft(): number {
  if (meter.shouldStop !== null && meter.shouldStop()) {
    throw new RuneError("E_TIMEOUT", "the program was stopped by its host");
  }
  if (meter.deadline !== Infinity && Date.now() > meter.deadline) {
    throw new RuneError("E_TIMEOUT", "the program ran past its time limit");
  }
  const left = meter.budget - meter.used;
  if (left <= 0) {
    throw new RuneError(
      "E_TIMEOUT",
      `the program used its whole budget of ${meter.budget} steps (calls and loop iterations)`,
    );
  }
  return left;
}

/**
 * Compiled code used up its slice (its counter went from {@link MeterState.cb} to -1): count the
 * steps, check the limits as {@link tick} does, and give the size of its next slice.
 */
export function tickSlice(): number {
  meter.used += meter.cb + 1;
  meter.cb = Math.min(SLICE, stepsLeft());
  return meter.cb;
}

/** Count `n` steps from a built-in's native loop. */
export function steps(n: number): void {
  meter.b -= n;
  if (meter.b < 0) tick();
}

/** Charge `bytes` of memory. */
export function charge(bytes: number): void {
  meter.mem += bytes;
  if (meter.mem > meter.memLimit) overLimit();
}

/**
 * Charge text that grew by `added` characters into a string of `length`. One string larger than
 * the whole limit is refused outright, whatever the heap measurement says: V8 keeps repeated and
 * concatenated text as a tree of shared pieces the measurement barely sees, and whoever reads it
 * later (a search, the result's serialisation) pays for the flat copy.
 */
export function chargeText(added: number, length: number): void {
  if (length * COST.char > meter.memLimit) textOverLimit(length);
  if (added >= BIG_TEXT) meter.text += added * COST.char;
  meter.mem += added * COST.char;
  if (meter.mem > meter.memLimit) overLimit();
}

/** Characters added in one step from which the text is counted in {@link MeterState.text}. */
const BIG_TEXT = 1024 * 1024;

function textOverLimit(length: number): never {
  throw new RuneError(
    "E_MEMORY",
    `the program built a string of ${length} characters, more than its memory limit of ` +
      `${formatBytes(meter.memLimit)} holds`,
  );
}

/** Credit `bytes` of memory back (a container shrank). */
export function credit(bytes: number): void {
  meter.mem = Math.max(0, meter.mem - bytes);
}

function overLimit(): void {
  if (meter.measure !== null) {
    const real = meter.measure() + meter.text;
    if (real < meter.memLimit) {
      // The account counts allocations that have since been dropped; trust the measurement,
      // except for text it cannot see.
      meter.mem = real;
      return;
    }
  }
  const limit = meter.memLimit;
  if (meter.text > limit / 2) {
    throw new RuneError(
      "E_MEMORY",
      `the program built more text than its memory limit of ${formatBytes(limit)} holds ` +
        `(${formatBytes(meter.text)} added a megabyte or more at a time)`,
    );
  }
  throw new RuneError(
    "E_MEMORY",
    `the program used more than its memory limit of ${formatBytes(limit)}`,
  );
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round(n / (1024 * 1024))} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/** Approximate sizes charged for allocations. */
export const COST = {
  /** Per Vec/tuple slot. */
  slot: 8,
  /** Per object entry (plus the key's characters). */
  entry: 48,
  /** Per container or struct header. */
  header: 32,
  /** Per string character. */
  char: 2,
} as const;
