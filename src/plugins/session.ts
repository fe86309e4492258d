/**
 * A session over one kiln: the configuration, the plugin registry, approvals, the audit log and
 * the plugin runner set up once, so that every front end (CLI, MCP server, benches) lists,
 * describes, validates and runs plugins, and reads the kiln, the same way.
 *
 * @module
 */
import { type Config, loadConfig } from "../config/config.ts";
import { configDir, type Env, userConfigFile } from "../config/paths.ts";
import { NotFoundError } from "../errors.ts";
import { WORKER_BINDINGS } from "../runtime/worker_bindings.ts";
import { KilnApi } from "../api/kiln_api.ts";
import type { Json } from "../runtime/protocol.ts";
import { ApprovalBroker } from "../security/approvals.ts";
import { AuditLog } from "../security/audit.ts";
import {
  type Approver,
  type AuditSink,
  type InvocationResult,
  type Invoker,
  PluginRunner,
} from "../sandbox/invoke.ts";
import type { SandboxPool } from "../sandbox/pool.ts";
import { suggest } from "../suggest.ts";
import { describe } from "./describe.ts";
import { parametersValidator } from "./parameters.ts";
import { PluginRegistry, type RegistryChange, type ResolvedPlugin } from "./registry.ts";
import { type WatchOptions, watchPlugins } from "./watch.ts";

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** Kiln root. */
  kiln: string;
  /** Configuration (default: `loadConfig({ kilnRoot: kiln })`). */
  config?: Config;
  /**
   * Approvals (default: the user config's trusted plugins and remembered answers, no prompt:
   * anything else risky is refused with a message saying how to approve it).
   */
  approver?: Approver;
  /** Audit log (default: `<kiln>/.crucible/audit/`); `false` records nothing. */
  audit?: AuditSink | false;
  /** Environment lookups for the config folder (default: the process's). */
  env?: Env;
  /** Built-in plugin folder; null for none (default: the repository's `plugins/`). */
  builtinDir?: string | null;
  /** Worker pool to share (default: the runner's own). */
  pool?: SandboxPool;
}

/** Options of {@link Session.run}. */
export interface RunOptions {
  /** Who asks (default the user). Agents are recorded in the audit log with their name. */
  invoker?: Invoker;
  /** Function other than the entry. */
  fn?: string;
  /** Record writes instead of performing them. */
  dryRun?: boolean;
  /** Timeout override, ms (clamped to the configured maximum). */
  timeoutMs?: number;
  /** Cancels the invocation. */
  signal?: AbortSignal;
  /** Told about progress events. */
  onProgress?: (event: Json, plugin: string) => void;
}

/** A parameter check: the input with defaults filled in, or the error naming the parameter. */
export type ParamsCheck =
  | { ok: true; params: Record<string, Json> }
  | { ok: false; error: { code: string; message: string } };

/** A note as `read_note` returns it. */
export interface NoteView {
  /** Kiln-relative path. */
  path: string;
  /** Title. */
  title: string;
  /** Frontmatter. */
  frontmatter: Json;
  /** Body without the frontmatter. */
  content: string;
  /** Tags. */
  tags: string[];
  /** Link targets as written. */
  links: string[];
  /** Words in the body. */
  word_count: number;
  /** Last change, ISO 8601. */
  modified: string;
}

/** Read-only queries of the kiln, with the same rules as the plugin bindings of the same name. */
export interface KilnQueries {
  /** Search notes: `text` (full text, default), `semantic` or `hybrid`. */
  search(query: string, options?: { mode?: string; limit?: number }): Promise<Json>;
  /** One note (refuses paths outside the kiln and cru's private folder). */
  read(path: string): NoteView;
  /** Notes of a folder (default: all), optionally with a tag. */
  list(options?: { folder?: string; tag?: string; limit?: number; recursive?: boolean }): Json;
  /** Notes linking to a note. */
  backlinks(note: string): Json;
  /** Links out of a note, resolved. */
  forwardLinks(note: string): Json;
  /** Walk the link graph from a note (`bfs`, `dfs`, `backlinks` or `semantic`). */
  traverse(
    start: string,
    options?: { strategy?: string; depth?: number; limit?: number },
  ): Promise<Json>;
  /** Every note path. */
  paths(): string[];
}

/** A session: see {@link createSession}. */
export interface Session {
  /** Kiln root (real path). */
  readonly root: string;
  /** The configuration in force. */
  readonly config: Config;
  /** The plugins (reloaded by {@link Session.reload} and {@link Session.watch}). */
  readonly registry: PluginRegistry;
  /** Read-only kiln queries. */
  readonly kiln: KilnQueries;
  /** The audit log (absent when the session records nothing). */
  readonly audit?: AuditSink;
  /** The winning copy of every plugin name, sorted by name. */
  plugins(): ResolvedPlugin[];
  /** One plugin. @throws {NotFoundError} naming close names when there is none. */
  plugin(name: string): ResolvedPlugin;
  /** Everything known about a plugin (the `cru plugins show --json` form). */
  describe(name: string): Record<string, unknown>;
  /** Check parameters against a plugin's manifest without running anything. */
  validate(plugin: string | ResolvedPlugin, params: unknown): ParamsCheck;
  /** Run a plugin through the sandbox (grant, limits, approvals, audit, journal). */
  run(
    plugin: string | ResolvedPlugin,
    params?: unknown,
    options?: RunOptions,
  ): Promise<InvocationResult>;
  /** Read the plugin folders again; the changes of the winning copies. */
  reload(): Promise<RegistryChange[]>;
  /** Watch the plugin folders; each batch is one reload's changes. */
  watch(options?: WatchOptions): AsyncGenerator<RegistryChange[]>;
  /** Stop the workers and close the index. */
  close(): void;
}

// Building a zod schema costs more than checking with it: one per manifest object.
const validators = new WeakMap<object, ReturnType<typeof parametersValidator>>();

/** Check parameters against a plugin's manifest; the error names the parameter. */
export function checkParams(p: ResolvedPlugin, params: unknown): ParamsCheck {
  const m = p.manifest;
  if (!p.valid || !m) {
    return {
      ok: false,
      error: {
        code: "E_INVALID_PLUGIN",
        message: `plugin ${p.name} is invalid and cannot run; see cru plugins validate ${p.name}`,
      },
    };
  }
  let v = validators.get(m);
  if (!v) validators.set(m, v = parametersValidator(m.parameters));
  const check = v.safeParse(params ?? {});
  if (check.success) return { ok: true, params: check.data as Record<string, Json> };
  const issue = check.error.issues[0];
  const where = issue.path.length ? `parameter ${issue.path.join(".")}` : "parameters";
  return {
    ok: false,
    error: { code: "E_INVALID_PARAMS", message: `${p.name}: ${where}: ${issue.message}` },
  };
}

/**
 * Open a session on a kiln: config, plugin registry, approvals, audit log and runner.
 *
 * @example
 * ```ts ignore
 * import { createSession } from "./session.ts";
 * const session = await createSession({ kiln: "tests/fixtures/demo_kiln", audit: false });
 * const r = await session.run("dice-roller", { expression: "2d6+3" });
 * console.log(r.ok ? r.value : r.error);
 * session.close();
 * ```
 */
export async function createSession(options: SessionOptions): Promise<Session> {
  const root = Deno.realPathSync(options.kiln);
  const config = options.config ?? loadConfig({ kilnRoot: root, env: options.env });
  const registry = await PluginRegistry.load({
    kilnRoot: root,
    env: options.env,
    builtinDir: options.builtinDir,
    pins: config.pins,
  });
  const approver = options.approver ??
    new ApprovalBroker({ config, userConfigFile: userConfigFile(options.env), interactive: false });
  const audit = options.audit === false
    ? undefined
    : options.audit ?? AuditLog.forKiln(root, { retentionDays: config.audit.retentionDays });
  const api = new KilnApi(root, {
    fileSize: config.sandbox.fileSize,
    embeddings: config.search.embeddings,
  });
  // One index for the plugins' bindings and the session's own queries; the runner closes it.
  const runner = new PluginRunner({
    kilnRoot: root,
    registry,
    config,
    approver,
    audit,
    pool: options.pool,
    kilnApi: api,
    configDir: configDir(options.env),
  });
  // Notes change on disk while a session lives: each query brings the index up to date first
  // (an incremental walk: only changed files are read again).
  const index = () => {
    api.index().update();
    return api;
  };

  const plugin = (name: string): ResolvedPlugin => {
    const p = registry.get(name);
    if (p) return p;
    const close = suggest(name, registry.list().map((x) => x.name));
    throw new NotFoundError(
      `no plugin named ${JSON.stringify(name)}` +
        (close.length ? `; did you mean ${close.join(", ")}?` : "") +
        "; list_plugins shows them all",
    );
  };
  const kiln: KilnQueries = {
    search: (query, o = {}) => index().search(query, { ...o }),
    read: (path) => readNoteView(root, path, config.sandbox.fileSize),
    list: (o = {}) =>
      index().listNotes(o.folder ?? null, {
        ...(o.tag !== undefined ? { tag: o.tag } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(o.recursive !== undefined ? { recursive: o.recursive } : {}),
      }),
    backlinks: (note) => index().backlinks(note),
    forwardLinks: (note) => index().forwardlinks(note),
    traverse: (start, o = {}) => index().traverse(start, { ...o }),
    paths: () => index().index().paths(),
  };
  return {
    root,
    config,
    registry,
    kiln,
    audit,
    plugins: () => registry.list(),
    plugin,
    describe: (name) => describe(plugin(name)),
    validate: (p, params) => checkParams(typeof p === "string" ? plugin(p) : p, params),
    run: (p, params, o = {}) =>
      runner.invoke({
        plugin: p,
        params: params ?? {},
        invoker: o.invoker,
        fn: o.fn,
        dryRun: o.dryRun,
        timeoutMs: o.timeoutMs,
        signal: o.signal,
        onProgress: o.onProgress,
      }),
    reload: () => registry.reload(),
    watch: (o) => watchPlugins(registry, o),
    close: () => runner.close(),
  };
}

/** A note for an agent: exactly what the plugin binding `read_note` returns. */
function readNoteView(root: string, input: string, fileSize: number): NoteView {
  const context = { kilnRoot: root, fileSize, fsRead: [], fsReadGuarded: [], log() {} };
  return WORKER_BINDINGS.read_note(context, [input]).value as unknown as NoteView;
}
