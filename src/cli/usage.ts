/**
 * Usage errors the CLI raises itself (exit code 2), and parsers for shared option values.
 *
 * @module
 */

/** A usage problem commander cannot see (a bad option value); exits with code 2. */
export class UsageError extends Error {}

/** Parse a `--limit` value: a positive whole number. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`--limit must be a positive whole number, got ${JSON.stringify(value)}`);
  }
  return n;
}
