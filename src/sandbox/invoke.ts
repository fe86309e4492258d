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
import type { ApprovalOutcome, ApprovalRequest } from "../security/approvals.ts";
import { type AuditEvent, paramsDigest } from "../security/audit.ts";
import type { CoverageReport, ErrorInfo, Json } from "../runtime/protocol.ts";
import { toJson } from "../runtime/engine.ts";
import { KilnApi, type NoteWrite, type WriteMode } from "../api/kiln_api.ts";
import { PluginState } from "../api/state.ts";
import { cacheDir, configDir } from "../config/paths.ts";
import { type PoolJob, SandboxPool } from "./pool.ts";
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
  /** Record note writes instead of performing them (and plugins called from this one too). */
  dryRun?: boolean;
  /** Shared with plugins this one calls, so one invocation reports every write (runner-set). */
  writeLog?: NoteWrite[];
  /** Told about the plugin's progress events as they happen (and those of plugins it calls). */
  onProgress?: (event: Json, plugin: string) => void;
  /** Record which lines of the plugin ran (`cru plugins test`); see {@link InvocationResult}. */
  coverage?: boolean;
}

/** Capabilities only the host enforces: approved on first use rather than before the run. */
const HOST_ENFORCED = new Set(["KilnWrite", "FsWrite", "PluginInvoke", "StateManage"]);

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
  #rates = new RateLimits();
  #kiln: KilnApi;
  #root: string;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#ownPool = options.pool === undefined;
    this.#pool = options.pool ??
      new SandboxPool({ payloadLimit: options.config.sandbox.fileSize + 1024 * 1024 });
    this.#root = Deno.realPathSync(options.kilnRoot);
    this.#kiln = options.kilnApi ??
      new KilnApi(this.#root, {
        fileSize: options.config.sandbox.fileSize,
        embeddings: options.config.search.embeddings,
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
    const base = {
      invocation,
      writes: writeMode.log,
      dryRun: writeMode.dryRun,
      plugin: { name, version: resolved?.version ?? null, hash: resolved?.hash ?? "" },
      logs: [] as string[],
      security,
    };
    const fail = (code: string, message: string): InvocationResult => {
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

    this.#audit({
      kind: "invocation.start",
      invocation,
      plugin: name,
      version: p.version ?? undefined,
      hash: p.hash,
      invoker: req.invoker ?? { kind: "user" },
      paramsDigest: paramsDigest(params),
    });

    const sandbox = this.#o.config.sandbox;
    try {
      this.#rates.take(
        name,
        Math.min(m.limits.rate ?? sandbox.rate, sandbox.max.rate),
        sandbox.burst,
      );
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
    for (const cap of m.capabilities) {
      if (isDefaultGranted(cap)) {
        grant.push(cap);
        continue;
      }
      if (HOST_ENFORCED.has(cap.name)) {
        onFirstUse.push(cap);
        continue;
      }
      const outcome = await this.#approve(p, formatCapability(cap), riskOf(cap), {
        operation: CAPABILITY_INFO[cap.name].summary,
        impact: IMPACT[cap.name] ?? "",
      }, invocation);
      if (!outcome.approved) return fail("E_APPROVAL_DENIED", outcome.message);
      grant.push(cap);
    }
    const approveOnUse = async (name: string): Promise<Capability | null> => {
      const cap = onFirstUse.find((c) => c.name === name);
      if (!cap) return null;
      const outcome = await this.#approve(p, formatCapability(cap), riskOf(cap), {
        operation: CAPABILITY_INFO[cap.name].summary,
        impact: IMPACT[cap.name] ?? "",
      }, invocation);
      if (!outcome.approved) throw new CrucibleError("E_APPROVAL_DENIED", outcome.message);
      onFirstUse.splice(onFirstUse.indexOf(cap), 1);
      grant.push(cap);
      return cap;
    };
    const limits = await this.#limits(
      p,
      unsafe && grant.some((c) => c.name === "Unsafe"),
      invocation,
    );
    if ("error" in limits) return fail("E_APPROVAL_DENIED", limits.error);
    const timeoutMs = Math.min(req.timeoutMs ?? limits.timeout, sandbox.max.timeout);

    const language = p.language === "lua" || p.language === "rune" ? p.language : "unknown";
    const onUse = (use: CapabilityUse) => {
      this.#audit({
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
        this.#audit({ kind: "security", invocation, plugin: name, message });
      }
    };
    const isolation = m.isolation === "process" || sandbox.isolation === "process"
      ? "process"
      : "worker";
    const pending = new PendingCalls();
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
          dependencies: m.dependencies.map((d) => d.name),
          invokePlugin: (target, targetParams, targetFn) =>
            this.#callPlugin(name, req.chain ?? [], target, targetParams, targetFn, req, writeMode),
          state: new PluginState(name, {
            kilnRoot: this.#root,
            configDir: this.#o.configDir ?? configDir(),
          }),
          fileSize: limits.fileSize,
          guarded: [this.#root, this.#o.configDir ?? configDir(), cacheDir()],
          timeoutMs,
          onUse,
          pending,
          onProgress: req.onProgress && ((event: Json) => req.onProgress!(event, name)),
        }),
      onUse: (u: CapabilityUse) => onUse(u),
      timeoutMs,
      signal: req.signal,
      nested: (req.chain?.length ?? 0) > 0,
    } satisfies PoolJob;
    const result = isolation === "process" ? await runInProcess(job) : await this.#pool.run(job);
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

  /** A plugin-to-plugin call: cycle and depth checks, then an invocation of its own. */
  async #callPlugin(
    caller: string,
    chain: readonly string[],
    target: string,
    params: Json,
    fn: string | undefined,
    parent: InvocationRequest,
    writes: WriteMode,
  ): Promise<Json> {
    const stack = [...chain, caller];
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
      signal: parent.signal,
      dryRun: writes.dryRun,
      writeLog: writes.log,
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
    const asked = p.manifest!.limits;
    const out: Limits = {
      memory: s.memory,
      timeout: s.timeout,
      fileSize: s.fileSize,
      rate: s.rate,
    };
    for (const key of ["memory", "timeout"] as const) {
      const want = asked[key];
      if (want === undefined || want <= s[key]) {
        if (want !== undefined) out[key] = want;
        continue;
      }
      const value = Math.min(want, s.max[key]);
      const shown = key === "memory" ? formatBytes(value) : `${value} ms`;
      const outcome = await this.#approve(p, `limits.${key}(${shown.replace(" ", "")})`, "high", {
        operation: `use up to ${shown} of ${key === "memory" ? "memory" : "time"} ` +
          `(the default is ${key === "memory" ? formatBytes(s[key]) : `${s[key]} ms`})`,
        impact: key === "memory"
          ? "can use more of this machine's memory"
          : "can keep running longer before it is stopped",
      }, invocation);
      if (!outcome.approved) return { error: outcome.message };
      out[key] = value;
    }
    return out;
  }

  #audit(event: Omit<AuditEvent, "ts">): void {
    try {
      this.#o.audit?.record(event);
    } catch (e) {
      // An audit failure must not pass silently, but it must not take a plugin run down either.
      console.error(`audit log: ${(e as Error).message}`);
    }
  }
}
