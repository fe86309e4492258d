/**
 * Per-plugin rate limits: a token bucket per plugin, `burst` invocations back to back (at most a
 * minute's worth of the rate), refilled at `rate` per minute.
 *
 * With a folder (the runner uses `<kiln>/.crucible/rate/`), each plugin's bucket is a small JSON
 * file updated under a lock shared with other `cru` processes, so back-to-back `cru plugins run`
 * calls share one bucket. That folder may come from a shared kiln, so a stored bucket can only
 * make the limit stricter than a fresh one, never looser: its token count is clamped to
 * `[0, burst]`, a time in the future counts as now, and a file that cannot be read as a bucket
 * counts as an empty bucket taken just now (the safe reading; it refills at the normal rate).
 *
 * @module
 */
import * as path from "node:path";
import { CrucibleError } from "../errors.ts";
import { withFileLock } from "../api/file_lock.ts";

/** Tokens left and when they were counted (ms since the epoch). */
interface Bucket {
  tokens: number;
  at: number;
}

/** Options of {@link RateLimits}. */
export interface RateLimitOptions {
  /** Folder of the buckets (kept in memory, per process, without one). */
  dir?: string;
  /** Folder the bucket folder must resolve inside (default: `dir`'s parent). */
  root?: string;
  /** The clock (tests inject one). */
  now?: () => number;
}

/** The limit of one {@link RateLimits.take}. */
export interface RateLimit {
  /** Invocations a minute, in the long run. */
  perMinute: number;
  /** Invocations allowed back to back. */
  burst: number;
  /** Check the bucket but leave it as it is (a dry run has no effects). */
  dryRun?: boolean;
}

/** Rate limiters by plugin. */
export class RateLimits {
  #o: RateLimitOptions;
  #memory = new Map<string, Bucket>();

  /** @param options where buckets are kept */
  constructor(options: RateLimitOptions = {}) {
    this.#o = options;
  }

  /** Take one invocation for `plugin` at `perMinute` with `burst`, or throw E_RATE_LIMIT. */
  take(plugin: string, asked: RateLimit): void {
    const now = this.#o.now?.() ?? Date.now();
    // A burst is never more than a minute's worth of the rate: `rate: 1/min` means one a minute,
    // not the configured burst back to back first.
    const limit = {
      ...asked,
      burst: Math.max(1, Math.min(asked.burst, Math.floor(asked.perMinute))),
    };
    const step = (stored: Bucket | null): Bucket => {
      const b = refill(stored, now, limit);
      if (b.tokens < 1) {
        const wait = Math.ceil(((1 - b.tokens) * 60) / limit.perMinute);
        throw new CrucibleError(
          "E_RATE_LIMIT",
          `plugin ${plugin} was called more than ${limit.perMinute} times a minute ` +
            `(burst ${limit.burst}); try again in ${wait} s, or raise limits.rate ` +
            "(up to sandbox.max.rate in config.yaml)",
        );
      }
      return { tokens: b.tokens - 1, at: now };
    };
    const dir = this.#o.dir;
    if (!dir) {
      const key = `${plugin}\u0000${limit.perMinute}\u0000${limit.burst}`;
      const next = step(this.#memory.get(key) ?? null);
      if (!limit.dryRun) this.#memory.set(key, next);
      return;
    }
    const file = path.join(dir, `${encodeURIComponent(plugin)}.json`);
    const root = this.#o.root ?? path.dirname(dir);
    if (limit.dryRun) {
      step(readBucket(file, now));
      return;
    }
    withFileLock({ file, root }, () => {
      const next = step(readBucket(file, now));
      // Replaced whole (temp file + rename) but not synced to disk: a bucket lost in a crash
      // reads as an empty one, the safe reading, and every invocation pays for this write.
      const tmp = `${file}.${crypto.randomUUID().slice(0, 8)}.tmp`;
      Deno.writeTextFileSync(tmp, JSON.stringify(next), { createNew: true });
      Deno.renameSync(tmp, file);
    });
  }
}

/** The bucket stored in `file`: null when there is none, an empty one when it is unreadable. */
function readBucket(file: string, now: number): Bucket | null {
  let text: string;
  try {
    if (!Deno.lstatSync(file).isFile) return { tokens: 0, at: now };
    text = Deno.readTextFileSync(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    return { tokens: 0, at: now };
  }
  try {
    const b = JSON.parse(text) as Partial<Bucket>;
    if (typeof b.tokens === "number" && typeof b.at === "number" && Number.isFinite(b.at)) {
      if (Number.isFinite(b.tokens)) return { tokens: b.tokens, at: b.at };
    }
  } catch { /* unreadable: the safe reading below */ }
  return { tokens: 0, at: now };
}

/** The bucket at `now`: full when new, else refilled since it was counted, within `[0, burst]`. */
function refill(b: Bucket | null, now: number, limit: RateLimit): Bucket {
  if (b === null) return { tokens: limit.burst, at: now };
  const since = Math.max(0, now - Math.min(b.at, now));
  const tokens = Math.max(0, Math.min(limit.burst, b.tokens)) + (since * limit.perMinute) / 60_000;
  return { tokens: Math.min(limit.burst, tokens), at: now };
}
