/**
 * Helpers for tests of plugin identity and approvals: the content hash cru binds trust to, and a
 * refused `cru` run checked end to end (exit code, error code, nothing changed on disk).
 *
 * @module
 */
import { strictEqual } from "node:assert/strict";
import { assertUnchanged, type HostileWorld } from "./hostile.ts";

/** What a refused run may still write in the kiln: its own audit log and the note index. */
export const RUN_LEFTOVERS = [
  "kiln:.crucible/audit",
  "kiln:.crucible/index.db",
  "kiln:.crucible/index.db-wal",
  "kiln:.crucible/index.db-shm",
];

/** SHA-256 of a plugin's text, hex: the hash cru records for it. */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Run `cru ARGS --json` in the world, expect it refused with `code` (exit 1), and assert that
 * nothing changed on disk but the run's own leftovers. Returns the error and stderr.
 */
export async function assertRefused(
  world: HostileWorld,
  args: string[],
  code = "E_APPROVAL_DENIED",
): Promise<{ error: { code: string; message: string }; stderr: string }> {
  const before = await world.checksums({ skip: RUN_LEFTOVERS });
  const r = await world.cru([...args, "--json"]);
  strictEqual(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  strictEqual(out.ok, false, r.stdout);
  strictEqual(out.error.code, code, r.stdout);
  assertUnchanged(before, await world.checksums({ skip: RUN_LEFTOVERS }));
  return { error: out.error, stderr: r.stderr };
}
