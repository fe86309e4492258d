/**
 * Helpers for tests of plugin identity: the content hash cru binds trust to, and the files a
 * refused `cru plugins run` may still write (its audit log and the kiln's index).
 *
 * @module
 */

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
