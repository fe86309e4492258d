/**
 * One plugin invocation, end to end (ARCHITECTURE.md, "One invocation"): find the plugin, check
 * its parameters, admit it through the rate limiter, compute the grant (prompting for risky
 * capabilities and raised limits), run it in a pooled worker whose Deno permissions match the
 * grant, answer its host calls, and audit all of it.
 *
 * @module
 */
import * as path from "node:path";
import { CrucibleError, type ErrorCode } from "../errors.ts";
import type { Config, Limits } from "../config/config.ts";
import type { PluginRegistry, ResolvedPlugin } from "../plugins/registry.ts";
import { parametersValidator } from "../plugins/parameters.ts";
import { effectiveCapabilities } from "../plugins/manifest.ts";
import { parameterProblem } from "../plugins/parameter_errors.ts";
import { emptyTablesAsLists } from "../plugins/result_shape.ts";
import { withLimitHint } from "./limit_hints.ts";
import { formatBytes } from "../kiln/note.ts";
import { PRIVATE_DIR } from "../kiln/paths.ts";
import {
  type Capability,
  CAPABILITY_INFO,
  formatCapability,
  riskOf,
} from "../security/capability.ts";
import { expandHome, grantKey, isDefaultGranted, workerPermissions } from "../security/grant.ts";
import { type ApprovalOutcome, type ApprovalRequest, terminalSafe } from "../security/approvals.ts";
import { type AuditEvent, paramsDigest } from "../security/audit.ts";
import type { CoverageReport, ErrorInfo, Json } from "../runtime/protocol.ts";
import { toJson } from "../runtime/engine.ts";
import { KilnApi, type NoteWrite, type WriteMode } from "../api/kiln_api.ts";
import { type DryRunState, dryRunState, PluginState } from "../api/state.ts";
import { cacheDir, configDir } from "../config/paths.ts";
import { type PoolJob, SandboxPool, stopReason } from "./pool.ts";
import { runInProcess } from "./process.ts";
import { RateLimits } from "./rate_limit.ts";
import { answerCall, type CapabilityUse } from "./host_calls.ts";
import { PendingCalls } from "./host_calls_stdlib.ts";

/** Something that answers approval requests (the approval broker). */
export interface Approver {
  /** Decide one request. */
  request(req: ApprovalRequest): Promise<ApprovalOutcome>;
}

/** Something that records audit events (the audit log). */
export interface AuditSink {
  /** Record one event. */
  record(event: Omit<AuditEvent, "ts">): unknown;
}

/** Who asked for an invocation. */
export type Invoker = { kind: "user" | "agent" | "plugin"; name?: string };

/** Options of {@link PluginRunner}. */
export interface RunnerOptions {
  /** Kiln root. */
  kilnRoot: string;
  /** Plugins. */
  registry: PluginRegistry;
  /** Loaded configuration. */
  config: Config;
  /** Approvals; without one, every risky capability is denied. */
  approver?: Approver;
  /** Audit log; without one, nothing is recorded. */
  audit?: AuditSink;
  /** Worker pool (default: a new one of the configured size). */
  pool?: SandboxPool;
  /** Allow the test-only JavaScript engine (tests only). */
  testEngine?: boolean;
  /** The user config folder, for global plugin state (default: from the environment). */
  configDir?: string;
  /** The host's kiln bindings (default: one over the kiln's own index). */
  kilnApi?: KilnApi;
  /**
   * Told about warnings the user must see, such as a kiln plugin that shadows an installed one
   * (default: printed on stderr).
   */
  notice?: (message: string) => void;
}

/** One invocation request. */
export interface InvocationRequest {
  /** Plugin name (or an already resolved plugin). */
  plugin: string | ResolvedPlugin;
  /** Parameters (validated against the manifest for the entry function). */
  params?: unknown;
  /** Function to call (default: the manifest's entry). */
  fn?: string;
  /** Who asks. Default user. */
  invoker?: Invoker;
  /** Override the timeout, ms (clamped to the maximum). */
  timeoutMs?: number;
  /** Cancels the invocation. */
  signal?: AbortSignal;
  /** Check the parameters against the manifest (default true; off for ad-hoc scripts). */
  validateParams?: boolean;
  /** Plugins already on the call stack (plugin-to-plugin calls; set by the runner). */
  chain?: readonly string[];
  /** The caller's deadline, `performance.now()` ms (plugin-to-plugin calls; set by the runner). */
  deadline?: number;
  /** Record note writes instead of performing them (and plugins called from this one too). */
  dryRun?: boolean;
  /** Shared with plugins this one calls, so one invocation reports every write (runner-set). */
  writeLog?: NoteWrite[];
  /** A dry run's simulated state and report, shared the same way (runner-set). */
  dryRunState?: DryRunState;
  /** Told about the plugin's progress events as they happen (and those of plugins it calls). */
  onProgress?: (event: Json, plugin: string) => void;
  /** Record which lines of the plugin ran (`cru plugins test`); see {@link InvocationResult}. */
  coverage?: boolean;
}

/** Capabilities only the host enforces: approved on first use rather than before the run. */
const HOST_ENFORCED = new Set(["KilnWrite", "FsWrite", "PluginInvoke", "StateManage"]);

/** Network capabilities: a dry run refuses every request, so it neither asks nor grants them. */
const NETWORK = new Set(["NetworkHttp", "NetworkHttps"]);

/** Host-enforced capabilities whose effects a dry run only records, so it does not ask for them. */
const SIMULATED_WRITES = new Set(["KilnWrite", "FsWrite"]);

/** How deep plugin-to-plugin calls may nest. */
export const MAX_CALL_DEPTH = 8;

/** How an invocation ended. */
export interface InvocationResult {
  /** True on success. */
  ok: boolean;
  /** The result (JSON). */
  value?: Json;
  /** The error. */
  error?: ErrorInfo;
  /** Lines the plugin logged. */
  logs: string[];
  /** Security events of this invocation (refused capability uses), for the user. */
  security: string[];
  /** Invocation id. */
  invocation: string;
  /** Wall time, ms. */
  durationMs: number;
  /** The plugin that ran. */
  plugin: { name: string; version: string | null; hash: string };
  /** Note writes performed (or, in a dry run, intended), in order. */
  writes: NoteWrite[];
  /** True for a dry run. */
  dryRun: boolean;
  /**
   * In a dry run, what else was simulated or refused (state changes not saved, HTTP requests
   * refused, approvals a real run would ask for), in order; empty otherwise.
   */
  simulated: string[];
  /** Line coverage, when asked for and the engine can report it. */
  coverage?: CoverageReport;
}

// Lua cannot tell an empty list from an empty map; the manifest's `returns` can.
function shapeResult(p: ResolvedPlugin, value: Json): Json {
  return p.language === "lua" ? emptyTablesAsLists(value, p.manifest?.returns) : value;
}

// Building a zod schema costs more than checking with it: one per manifest object.
const validators = new WeakMap<object, ReturnType<typeof parametersValidator>>();
function validatorOf(m: { parameters: Parameters<typeof parametersValidator>[0] }) {
  let v = validators.get(m);
  if (!v) {
    v = parametersValidator(m.parameters);
    validators.set(m, v);
  }
  return v;
}

const IMPACT: Record<string, string> = {
  KilnWrite: "can create or change any note in the kiln (every change is journaled: cru undo)",
  NetworkHttp: "can send data from your notes to the listed hosts, unencrypted",
  NetworkHttps: "can send data from your notes to the listed hosts",
  FsRead: "can read the listed files and folders outside the kiln",
  FsWrite: "can change files in the listed folders outside the kiln",
  PluginInvoke: "can run other plugins, each with its own approved capabilities",
  StateManage: "can store data shared with other plugins",
  Unsafe: "runs without resource limits or approval checks: trust it completely or deny",
};

/** Limits a manifest may raise above the default (with approval), and how an approval shows them. */
const RAISABLE = {
  memory: {
    name: "memory",
    show: formatBytes,
    operation: (v: string) => `use up to ${v} of memory`,
    impact: "can use more of this machine's memory",
  },
  timeout: {
    name: "timeout",
    show: (v: number) => `${v} ms`,
    operation: (v: string) => `run for up to ${v}`,
    impact: "can keep running longer before it is stopped",
  },
  rate: {
    name: "rate",
    show: (v: number) => `${v}/min`,
    operation: (v: string) => `be called up to ${v}`,
    impact: "can be run more often, by you, an agent or other plugins",
  },
  writes: {
    name: "writes",
    show: String,
    operation: (v: string) => `make up to ${v} note and file writes per run`,
    impact: "can write many more notes and files in one run",
  },
  folderDepth: {
    name: "folder_depth",
    show: String,
    operation: (v: string) => `nest notes up to ${v} folders deep`,
    impact: "can create deeper folders in the kiln",
  },
} as const;

/**
 * Runs plugins. Holds the pool, the rate limiters and the kiln API for its lifetime; call
 * {@link PluginRunner.close} at the end.
 *
 * @example
 * ```ts
 * import { PluginRunner } from "./invoke.ts";
 * // const runner = new PluginRunner({ kilnRoot, registry, config, approver, audit });
 * // const r = await runner.invoke({ plugin: "word-count", params: { path: "Home.md" } });
 * // runner.close();
 * ```
 */
export class PluginRunner {
  #o: RunnerOptions;
  #pool: SandboxPool;
  #ownPool: boolean;
  #rates: RateLimits;
  #kiln: KilnApi;
  #root: string;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#ownPool = options.pool === undefined;
    this.#pool = options.pool ??
      new SandboxPool({ payloadLimit: options.config.sandbox.fileSize + 1024 * 1024 });
    this.#root = Deno.realPathSync(options.kilnRoot);
    // Buckets live in the kiln, so back-to-back `cru` processes share them.
    this.#rates = new RateLimits({
      dir: path.join(this.#root, PRIVATE_DIR, "rate"),
      root: this.#root,
    });
    this.#kiln = options.kilnApi ??
      new KilnApi(this.#root, {
        fileSize: options.config.sandbox.fileSize,
        embeddings: options.config.search.embeddings,
        configDir: options.configDir,
      });
  }

  /** Free the pool (if it is ours) and the index. */
  close(): void {
    if (this.#ownPool) this.#pool.close();
    this.#kiln.close();
  }

  /** Run one invocation. Failures are results (`ok: false`), never exceptions. */
  async invoke(req: InvocationRequest): Promise<InvocationResult> {
    const started = performance.now();
    const invocation = crypto.randomUUID();
    const security: string[] = [];
    const resolved = typeof req.plugin === "string" ? this.#o.registry.get(req.plugin) : req.plugin;
    const name = typeof req.plugin === "string" ? req.plugin : req.plugin.name;
    const writeMode: WriteMode = { dryRun: req.dryRun ?? false, log: req.writeLog ?? [] };
    const dry = writeMode.dryRun ? req.dryRunState ?? dryRunState() : undefined;
    const base = {
      invocation,
      writes: writeMode.log,
      dryRun: writeMode.dryRun,
      simulated: dry?.notes ?? [],
      plugin: { name, version: resolved?.version ?? null, hash: resolved?.hash ?? "" },
      logs: [] as string[],
      security,
    };
    // Stops the sandbox (the caller's signal, an audit log that fails mid-run) and, once this
    // invocation is over, every plugin it called that is still running or queued.
    const own = new AbortController();
    const onCallerAbort = () => own.abort(req.signal!.reason);
    req.signal?.addEventListener("abort", onCallerAbort, { once: true });
    if (req.signal?.aborted) onCallerAbort();
    const calls = new Set<Promise<unknown>>();
    const audit = (event: Omit<AuditEvent, "ts">): void => {
      const problem = this.#audit(event);
      if (problem !== null && !own.signal.aborted) {
        own.abort({ code: "E_AUDIT", message: `plugin ${name} was stopped: ${problem}` });
      }
    };
    const fail = (code: string, message: string): InvocationResult => {
      req.signal?.removeEventListener("abort", onCallerAbort);
      const result = {
        ...base,
        ok: false,
        error: { code, message },
        durationMs: performance.now() - started,
      };
      this.#audit({
        kind: "invocation.end",
        invocation,
        plugin: name,
        status: "error",
        error: { code, message },
        durationMs: Math.round(result.durationMs),
      });
      return result;
    };
    if (!resolved) return fail("E_NOT_FOUND", `no plugin named "${name}"; see cru plugins list`);
    const p = resolved;
    if (!p.valid || !p.manifest) {
      const first = p.problems.find((x) => x.severity === "error");
      return fail(
        "E_INVALID_PLUGIN",
        `plugin ${name} is invalid and cannot run` +
          (first ? `: ${path.basename(first.file)}:${first.line}: ${first.message}` : "") +
          `; see cru plugins validate ${name}`,
      );
    }
    const m = p.manifest;
    const fn = req.fn ?? m.entry;

    let params: Json;
    try {
      params = toJson(req.params ?? {}, "the parameters");
      if (fn === m.entry && req.validateParams !== false) {
        const check = validatorOf(m).safeParse(params);
        if (!check.success) {
          const problem = parameterProblem(check.error.issues[0], {
            parameters: m.parameters,
            input: params,
          });
          return fail("E_INVALID_PARAMS", `${name}: ${problem}; see cru plugins show ${name}`);
        }
        params = check.data as Json;
      }
    } catch (e) {
      return fail("E_INVALID_PARAMS", (e as Error).message);
    }

    // No audit, no run: a plugin never starts when its start cannot be recorded.
    const unaudited = this.#audit({
      kind: "invocation.start",
      invocation,
      plugin: name,
      version: p.version ?? undefined,
      hash: p.hash,
      invoker: req.invoker ?? { kind: "user" },
      paramsDigest: paramsDigest(params),
    });
    if (unaudited !== null) return fail("E_AUDIT", `plugin ${name} was not run: ${unaudited}`);

    this.#reportShadowing(p, invocation);
    const sandbox = this.#o.config.sandbox;
    const rate = await this.#raise(p, "rate", invocation);
    if (typeof rate !== "number") return fail("E_APPROVAL_DENIED", rate.error);
    try {
      this.#rates.take(name, { perMinute: rate, burst: sandbox.burst, dryRun: writeMode.dryRun });
    } catch (e) {
      return fail((e as CrucibleError).code, (e as Error).message);
    }

    // The grant: low-risk capabilities by default, the rest only when approved. Capabilities
    // that shape the worker's own permissions (reads outside the kiln, network) or its limits
    // are settled before it starts; the ones the host enforces alone are asked for on first use,
    // so a run that never writes never asks for KilnWrite.
    const grant: Capability[] = [];
    const onFirstUse: Capability[] = [];
    const unsafe = m.capabilities.some((c) => c.name === "Unsafe");
    for (const cap of effectiveCapabilities(m)) {
      if (isDefaultGranted(cap)) {
        grant.push(cap);
        continue;
      }
      if (HOST_ENFORCED.has(cap.name)) {
        onFirstUse.push(cap);
        continue;
      }
      if (dry && NETWORK.has(cap.name)) {
        // A dry run sends nothing: network is neither asked for nor granted.
        dry.notes.push(`a real run would ask for ${formatCapability(cap)}`);
        continue;
      }
      const outcome = await this.#approve(p, formatCapability(cap), riskOf(cap), {
        operation: CAPABILITY_INFO[cap.name].summary,
        impact: IMPACT[cap.name] ?? "",
      }, invocation);
      if (!outcome.approved) return fail("E_APPROVAL_DENIED", outcome.message);
      grant.push(cap);
    }
    // One question per capability and invocation, however many calls need it at once.
    const asked = new Map<string, Promise<Capability | null>>();
    const approveOnUse = (name: string): Promise<Capability | null> => {
      const cap = onFirstUse.find((c) => c.name === name);
      if (!cap) return Promise.resolve(null);
      if (dry && SIMULATED_WRITES.has(cap.name)) {
        // Nothing is written in a dry run, so there is nothing to approve yet.
        if (!grant.includes(cap)) {
          dry.notes.push(`a real run would ask for ${formatCapability(cap)}`);
          grant.push(cap);
        }
        return Promise.resolve(cap);
      }
      let answer = asked.get(name);
      if (!answer) {
        answer = this.#approve(p, formatCapability(cap), riskOf(cap), {
          operation: CAPABILITY_INFO[cap.name].summary,
          impact: IMPACT[cap.name] ?? "",
        }, invocation).then((outcome) => {
          if (!outcome.approved) throw new CrucibleError("E_APPROVAL_DENIED", outcome.message);
          if (!grant.includes(cap)) grant.push(cap);
          return cap;
        });
        asked.set(name, answer);
      }
      return answer;
    };
    const limits = await this.#limits(
      p,
      unsafe && grant.some((c) => c.name === "Unsafe"),
      invocation,
    );
    if ("error" in limits) return fail("E_APPROVAL_DENIED", limits.error);
    writeMode.quota = { writes: limits.writes, folderDepth: limits.folderDepth };
    // A plugin called by another never outlives its caller's deadline.
    const timeoutMs = Math.max(
      1,
      Math.min(
        req.timeoutMs ?? limits.timeout,
        sandbox.max.timeout,
        req.deadline === undefined ? Infinity : Math.ceil(req.deadline - performance.now()),
      ),
    );

    const language = p.language === "lua" || p.language === "rune" ? p.language : "unknown";
    const onUse = (use: CapabilityUse) => {
      audit({
        kind: "capability",
        invocation,
        plugin: name,
        binding: use.binding,
        capability: use.capability ?? undefined,
        target: use.target,
        granted: use.granted,
      });
      if (!use.granted) {
        const message = `plugin ${name} tried crucible.${use.binding}` +
          (use.target ? `(${JSON.stringify(use.target)})` : "") +
          `, refused: ${use.reason ?? `needs ${use.capability}`}`;
        security.push(message);
        audit({ kind: "security", invocation, plugin: name, message });
      }
    };
    const isolation = m.isolation === "process" || sandbox.isolation === "process"
      ? "process"
      : "worker";
    const pending = new PendingCalls();
    // Host calls share the invocation's deadline; the sandbox re-arms it when the plugin starts
    // (never past the caller's own deadline, for a nested call).
    let deadline = performance.now() + timeoutMs;
    const job = {
      // Permissions name the kiln, so a warm worker is reused only for the same kiln.
      key: `${p.hash}|${grantKey(grant)}|${this.#root}`,
      permissions: workerPermissions(grant, { kilnRoot: this.#root }),
      message: {
        type: "invoke",
        id: invocation,
        plugin: {
          name,
          file: p.file,
          language: this.#o.testEngine && p.file.endsWith(".js-test") ? "js-test" : language,
          code: p.code,
          hash: p.hash,
        },
        fn,
        params,
        ...(req.coverage ? { coverage: true } : {}),
        limits: { memory: limits.memory, fileSize: limits.fileSize, logBytes: 64 * 1024 },
        granted: grant.map((c) => c.name),
        kilnRoot: this.#root,
        dependencies: m.dependencies.map((d) => d.name),
        fsRead: grant.flatMap((
          c,
        ) => (c.name === "FsRead" ? c.paths.map((x) => expandHome(x)) : [])),
        fsReadGuarded: [
          path.join(this.#root, PRIVATE_DIR),
          this.#o.configDir ?? configDir(),
          cacheDir(),
        ],
      },
      onCall: (call) =>
        answerCall(call, {
          plugin: name,
          invocation,
          grant,
          kiln: this.#kiln,
          approveOnUse,
          writes: writeMode,
          invokePlugin: (target, targetParams, targetFn) => {
            const call = this.#callPlugin(name, target, targetParams, targetFn, {
              parent: req,
              writes: { ...writeMode, state: dry },
              signal: own.signal,
              deadline,
            });
            calls.add(call);
            return call.finally(() => calls.delete(call));
          },
          state: new PluginState(name, {
            kilnRoot: this.#root,
            configDir: this.#o.configDir ?? configDir(),
            dryRun: dry,
            warn: (message) => {
              security.push(message);
              this.#audit({ kind: "security", invocation, plugin: name, message });
            },
          }),
          dryRunNotes: dry?.notes,
          fileSize: limits.fileSize,
          guarded: [this.#root, this.#o.configDir ?? configDir(), cacheDir()],
          timeoutMs,
          deadline,
          onUse,
          pending,
          onProgress: req.onProgress && ((event: Json) => req.onProgress!(event, name)),
        }),
      onUse: (u: CapabilityUse) => onUse(u),
      timeoutMs,
      onStart: () => {
        deadline = Math.min(performance.now() + timeoutMs, req.deadline ?? Infinity);
      },
      signal: own.signal,
      depth: req.chain?.length ?? 0,
    } satisfies PoolJob;
    const result = isolation === "process" ? await runInProcess(job) : await this.#pool.run(job);
    // Plugins this one started and did not wait for end with it (and are audited as such)
    // before its own end is recorded, so every start has an end and none outlives its caller.
    if (calls.size > 0) {
      own.abort({
        code: result.ok ? "E_CANCELLED" : result.error!.code,
        message: `its caller, plugin ${name}, ended before it finished` +
          (result.ok ? "" : ` (${result.error!.code})`),
      });
      await Promise.allSettled([...calls]);
    }
    req.signal?.removeEventListener("abort", onCallerAbort);
    // An audit log that failed mid-run stopped the sandbox; say so even if it had finished.
    if (own.signal.aborted && stopReason(own.signal)[0] === "E_AUDIT" && result.ok) {
      const [code, message] = stopReason(own.signal);
      Object.assign(result, { ok: false, value: undefined, error: { code, message } });
    }
    const durationMs = performance.now() - started;
    if (result.logsDropped) result.logs.push(`… ${result.logsDropped} more log lines dropped`);
    this.#audit({
      kind: "invocation.end",
      invocation,
      plugin: name,
      status: result.ok ? "ok" : "error",
      ...(result.error
        ? { error: { code: result.error.code, message: result.error.message } }
        : {}),
      durationMs: Math.round(durationMs),
    });
    return {
      ...base,
      ok: result.ok,
      ...(result.ok ? { value: shapeResult(p, result.value ?? null) } : {
        error: withLimitHint(result.error!, { timeoutMs, memory: limits.memory, max: sandbox.max }),
      }),
      logs: result.logs,
      durationMs,
      ...(result.coverage ? { coverage: result.coverage } : {}),
    };
  }

  /**
   * A plugin-to-plugin call: cycle and depth checks, then an invocation of its own, queued for a
   * sandbox like any other, bounded by the caller's deadline and stopped when the caller ends.
   */
  async #callPlugin(
    caller: string,
    target: string,
    params: Json,
    fn: string | undefined,
    from: {
      parent: InvocationRequest;
      writes: WriteMode & { state?: DryRunState };
      signal: AbortSignal;
      deadline: number;
    },
  ): Promise<Json> {
    const { parent, writes } = from;
    const stack = [...(parent.chain ?? []), caller];
    if (stack.includes(target)) {
      throw new CrucibleError(
        "E_CYCLE",
        `plugin call cycle refused: ${[...stack, target].join(" → ")}`,
      );
    }
    if (stack.length >= MAX_CALL_DEPTH) {
      throw new CrucibleError(
        "E_DEPTH",
        `plugin calls nest deeper than ${MAX_CALL_DEPTH} (${[...stack, target].join(" → ")})`,
      );
    }
    const r = await this.invoke({
      plugin: target,
      params,
      fn,
      invoker: { kind: "plugin", name: caller },
      chain: stack,
      signal: from.signal,
      deadline: from.deadline,
      dryRun: writes.dryRun,
      writeLog: writes.log,
      dryRunState: writes.state,
      onProgress: parent.onProgress,
    });
    if (!r.ok) {
      const e = r.error!;
      throw new CrucibleError(
        e.code as ErrorCode,
        `plugin ${target} (called by ${caller}) failed: ${e.message}` +
          (e.file
            ? ` (${e.file.slice(e.file.lastIndexOf("/") + 1)}${e.line ? `:${e.line}` : ""})`
            : ""),
      );
    }
    return r.value ?? null;
  }

  async #approve(
    p: ResolvedPlugin,
    capability: string,
    risk: "low" | "high" | "critical",
    what: { operation: string; impact: string },
    invocation: string,
  ): Promise<ApprovalOutcome> {
    const outcome: ApprovalOutcome = this.#o.approver
      ? await this.#o.approver.request({
        plugin: p.name,
        version: p.version ?? "",
        description: p.manifest?.description ?? "",
        hash: p.hash,
        scope: p.scope,
        file: p.file,
        shadows: p.shadows.map((c) => ({ scope: c.scope, file: c.file })),
        capability,
        risk,
        ...what,
      })
      : {
        approved: false,
        decision: "non-interactive",
        message: `plugin ${p.name} asked for ${capability}, which is not approved`,
      };
    this.#audit({
      kind: "approval",
      invocation,
      plugin: p.name,
      capability,
      decision: outcome.decision,
      granted: outcome.approved,
      message: outcome.message,
    });
    return outcome;
  }

  /** The limits of this invocation: the manifest's, clamped to the maximums; raising needs approval. */
  async #limits(
    p: ResolvedPlugin,
    unsafe: boolean,
    invocation: string,
  ): Promise<Limits | { error: string }> {
    const s = this.#o.config.sandbox;
    if (unsafe) return { ...s.max };
    const out: Limits = {
      memory: s.memory,
      timeout: s.timeout,
      fileSize: s.fileSize,
      rate: s.rate,
      writes: s.writes,
      folderDepth: s.folderDepth,
    };
    for (const key of ["memory", "timeout", "writes", "folderDepth"] as const) {
      const value = await this.#raise(p, key, invocation);
      if (typeof value !== "number") return value;
      out[key] = value;
    }
    return out;
  }

  /**
   * One limit the manifest asks for: a lower one as asked, a higher one (clamped to the maximum)
   * only when approved — every limit, the call rate included.
   */
  async #raise(
    p: ResolvedPlugin,
    key: keyof typeof RAISABLE,
    invocation: string,
  ): Promise<number | { error: string }> {
    const s = this.#o.config.sandbox;
    const want = p.manifest!.limits[key];
    if (want === undefined || want <= s[key]) return want ?? s[key];
    const value = Math.min(want, s.max[key]);
    const how = RAISABLE[key];
    const shown = how.show(value);
    const outcome = await this.#approve(
      p,
      `limits.${how.name}(${shown.replace(" ", "")})`,
      "high",
      {
        operation: `${how.operation(shown)} (the default is ${how.show(s[key])})`,
        impact: how.impact,
      },
      invocation,
    );
    return outcome.approved ? value : { error: outcome.message };
  }

  /**
   * A kiln copy that shadows a system or built-in plugin is said so every time it runs: whoever
   * wrote the kiln picked that name, and nothing given to the name carries over to it.
   */
  #reportShadowing(p: ResolvedPlugin, invocation: string): void {
    const installed = p.scope === "kiln" ? p.shadows.find((s) => s.scope !== "kiln") : undefined;
    if (!installed) return;
    const message = `plugin ${p.name} runs from the kiln (${terminalSafe(p.file, 300)}) and ` +
      `shadows the ${installed.scope} plugin of that name (${
        terminalSafe(installed.file, 300)
      }); ` +
      `it does not inherit that plugin's trust or approvals`;
    this.#audit({ kind: "security", invocation, plugin: p.name, message });
    (this.#o.notice ?? ((m: string) => console.error(`warning: ${m}`)))(message);
  }

  /** Record one event; returns what went wrong (also printed), or null. */
  #audit(event: Omit<AuditEvent, "ts">): string | null {
    try {
      this.#o.audit?.record(event);
      return null;
    } catch (e) {
      const message = (e as Error).message;
      console.error(`audit log: ${message}`);
      return message;
    }
  }
}
