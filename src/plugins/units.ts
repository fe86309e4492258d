/**
 * Human units in manifests and config: sizes (`64MB`), durations (`10s`) and rates (`100/min`).
 *
 * @module
 */

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
};
const TIME_UNITS: Record<string, number> = {
  "": 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const RATE_UNITS: Record<string, number> = {
  s: 60,
  sec: 60,
  second: 60,
  m: 1,
  min: 1,
  minute: 1,
  h: 1 / 60,
  hour: 1 / 60,
};

/**
 * Bytes from `1048576`, `512KB`, `64 MB`, `1GB` (binary multiples). Null when malformed.
 *
 * @example
 * ```ts
 * import { parseSize } from "./units.ts";
 * parseSize("64MB"); // 67108864
 * ```
 */
export function parseSize(value: unknown): number | null {
  return withUnit(value, SIZE_UNITS);
}

/** Milliseconds from `5000`, `500ms`, `10s`, `2m`, `1h`, `7d`. Null when malformed. */
export function parseDuration(value: unknown): number | null {
  return withUnit(value, TIME_UNITS);
}

/** A positive number, or a number with one of `units` after it, scaled and rounded. */
function withUnit(value: unknown, units: Record<string, number>): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : null;
  if (typeof value !== "string") return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!m) return null;
  const unit = units[m[2].toLowerCase()];
  return unit === undefined ? null : Math.round(Number(m[1]) * unit) || null;
}

/** Invocations per minute from `100`, `100/min`, `10/s`, `1000/hour`. Null when malformed. */
export function parseRate(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : null;
  if (typeof value !== "string") return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([a-zA-Z]+))?\s*$/.exec(value);
  if (!m) return null;
  const unit = m[2] === undefined ? 1 : RATE_UNITS[m[2].toLowerCase()];
  return unit === undefined ? null : Number(m[1]) * unit || null;
}
