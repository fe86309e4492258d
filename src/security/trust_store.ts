/**
 * Writing approvals and trust into the user config file: "Always" answers and trusted plugin
 * identities. Both are bound to a plugin's identity (scope, path, content hash), so an answer
 * given for one copy of a plugin never covers another copy of the same name.
 *
 * Edits keep everything else in the file, comments included, create the file and its folder when
 * missing, and write atomically (temp file in the same folder, then rename; a symlinked config file
 * is updated where it points).
 *
 * @module
 */
import * as path from "node:path";
import { type Document, isMap, isScalar, isSeq, parseDocument, type YAMLMap } from "yaml";
import type { PluginIdentity, RememberedApproval } from "../config/config.ts";
import { ConfigError } from "../errors.ts";
import { sameDisplayForm } from "./capability.ts";

/**
 * Record an "Always" answer in the user config file: replaces any entry for the same plugin,
 * capability and copy (an older hash, or an entry without a copy from an older cru), and keeps
 * entries for other copies of the same name.
 *
 * @throws {ConfigError} when the file is not valid YAML, has an unexpected shape, or cannot be
 * written; the file is then left as it was.
 * @example
 * ```ts
 * import { rememberApproval } from "./trust_store.ts";
 * rememberApproval("/home/me/.config/crucible/config.yaml", {
 *   plugin: "dice-roller", capability: "KilnWrite", scope: "system",
 *   path: "/home/me/.config/crucible/plugins/dice-roller.rune", hash: "3f2a…",
 * });
 * ```
 */
export function rememberApproval(file: string, entry: RememberedApproval): void {
  editUserConfig(file, (doc) => {
    const record: Record<string, string> = {
      plugin: entry.plugin,
      capability: entry.capability,
      ...(entry.scope ? { scope: entry.scope } : {}),
      ...(entry.path ? { path: entry.path } : {}),
      hash: entry.hash,
      ...(entry.at ? { at: entry.at } : {}),
    };
    const approvals = doc.get("approvals", true);
    if (empty(approvals)) {
      doc.set("approvals", doc.createNode({ remembered: [record] }));
      return;
    }
    if (!isMap(approvals)) {
      throw new ConfigError(file, "approvals must be a mapping (timeout:, remembered:)");
    }
    putEntry(
      file,
      doc,
      approvals,
      "approvals.remembered",
      record,
      (item) =>
        item.get("plugin") === entry.plugin && typeof item.get("capability") === "string" &&
        sameDisplayForm(item.get("capability") as string, entry.capability) &&
        (item.get("path") === undefined || item.get("path") === entry.path) &&
        (item.get("scope") === undefined || item.get("scope") === entry.scope),
    );
  });
}

/**
 * Trust one copy of a plugin in the user config file: adds `{plugin, scope, path, hash}` to
 * `trusted`, replacing an entry for the same copy with another hash. Every capability that copy
 * declares is then approved without asking, until the file changes.
 *
 * @throws {ConfigError} as {@link rememberApproval}.
 */
export function trustPlugin(file: string, identity: PluginIdentity): void {
  editUserConfig(file, (doc) => {
    const record = {
      plugin: identity.plugin,
      scope: identity.scope,
      path: identity.path,
      hash: identity.hash,
    };
    putEntry(
      file,
      doc,
      doc,
      "trusted",
      record,
      (item) =>
        item.get("plugin") === identity.plugin && item.get("scope") === identity.scope &&
        item.get("path") === identity.path,
    );
  });
}

function empty(v: unknown): boolean {
  return v === undefined || v === null || (isScalar(v) && v.value == null);
}

/**
 * Add `record` to the list at `where` (`trusted`, `approvals.remembered`), creating the list when
 * missing and dropping the entries `replaces` matches (the same copy with an older hash).
 */
function putEntry(
  file: string,
  doc: Document,
  parent: Document | YAMLMap,
  where: string,
  record: Record<string, string>,
  replaces: (item: YAMLMap) => boolean,
): void {
  const key = where.slice(where.lastIndexOf(".") + 1);
  const list = parent.get(key, true);
  if (empty(list)) {
    parent.set(key, doc.createNode([record]));
    return;
  }
  if (!isSeq(list)) throw new ConfigError(file, `${where} must be a list`);
  list.items = list.items.filter((item) => !(isMap(item) && replaces(item)));
  list.items.push(doc.createNode(record));
  list.flow = false;
}

/** Parse the file, let `edit` change it, and write it back atomically. */
function editUserConfig(file: string, edit: (doc: Document) => void): void {
  let target = file;
  try {
    target = Deno.realPathSync(file);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw unwritable(file, e);
  }
  let text = "";
  let mode = 0o644;
  try {
    text = Deno.readTextFileSync(target);
    mode = (Deno.statSync(target).mode ?? 0o644) & 0o777;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw unwritable(file, e);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      `is not valid YAML (${doc.errors[0].message.split("\n")[0]}); fix it so the approval ` +
        `can be remembered`,
    );
  }
  if (!empty(doc.contents) && !isMap(doc.contents)) {
    throw new ConfigError(file, "must be a mapping of settings (approvals:, trusted:, …)");
  }
  edit(doc);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${crypto.randomUUID()}.tmp`);
  try {
    Deno.mkdirSync(dir, { recursive: true });
    const f = Deno.openSync(tmp, { write: true, createNew: true, mode });
    try {
      const bytes = new TextEncoder().encode(doc.toString({ flowCollectionPadding: false }));
      for (let done = 0; done < bytes.length;) done += f.writeSync(bytes.subarray(done));
      f.syncSync();
    } finally {
      f.close();
    }
    Deno.renameSync(tmp, target);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never created, or already renamed */ }
    throw unwritable(file, e);
  }
}

function unwritable(file: string, e: unknown): ConfigError {
  return new ConfigError(file, `cannot be updated: ${(e as Error).message}`, { cause: e });
}
