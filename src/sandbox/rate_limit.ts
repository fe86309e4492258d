/**
 * Per-plugin rate limits: a token bucket per plugin name (npm:limiter), `burst` invocations back
 * to back, refilled at `rate` per minute.
 *
 * @module
 */
import { TokenBucket } from "limiter";
import { CrucibleError } from "../errors.ts";

/** Rate limiters by plugin. */
export class RateLimits {
  #buckets = new Map<string, TokenBucket>();

  /** Take one invocation for `plugin` at `perMinute` with `burst`, or throw E_RATE_LIMIT. */
  take(plugin: string, perMinute: number, burst: number): void {
    const key = `${plugin}\u0000${perMinute}\u0000${burst}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket({
        bucketSize: burst,
        tokensPerInterval: perMinute,
        interval: "minute",
      });
      // A new bucket starts full: the burst is available at once.
      bucket.content = burst;
      this.#buckets.set(key, bucket);
    }
    if (!bucket.tryRemoveTokens(1)) {
      const wait = Math.ceil(bucket.getWaitTime(1) / 1000);
      throw new CrucibleError(
        "E_RATE_LIMIT",
        `plugin ${plugin} was called more than ${perMinute} times a minute (burst ${burst}); ` +
          `try again in ${wait} s, or raise limits.rate (up to sandbox.max.rate in config.yaml)`,
      );
    }
  }
}
