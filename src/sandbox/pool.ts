/**
 * The sandbox pool: Deno Web Workers with narrowed permissions, kept warm per (plugin hash,
 * grant) and reused, at most `size` running at once (the rest queue). A stuck invocation is asked
 * to stop, then its worker is terminated and replaced; a crashed worker is replaced too. Engine
 * state never outlives an invocation (each one gets a fresh engine instance inside the worker).
 *
 * @module
 */
import { CTRL, CTRL_WORDS } from "../runtime/protocol.ts";
import { engineModules } from "./modules.ts";
import type {
  CallMessage,
  CallReply,
  InvokeMessage,
  ResultMessage,
  UseMessage,
  WorkerMessage,
} from "../runtime/protocol.ts";

/** Options of {@link SandboxPool}. */
export interface PoolOptions {
  /** Invocations running at once (default: the number of cores). */
  size?: number;
  /** Idle workers kept per key (default 2). */
  idlePerKey?: number;
  /** Largest host-call reply, bytes (default 16 MB). */
  payloadLimit?: number;
  /** Time between the stop request and terminate() (default 250 ms). */
  graceMs?: number;
  /** Compiled WebAssembly modules handed to each worker (e.g. Lua's). */
  modules?: () => Promise<Record<string, WebAssembly.Module>>;
  /** The worker script (default: the runtime's worker.ts). */
  workerUrl?: URL;
}

/** One job for the pool. */
export interface PoolJob {
  /** Reuse key: plugin hash + grant. */
  key: string;
  /** Deno permissions of the worker. */
  permissions: Deno.PermissionOptionsObject;
  /** The invocation message. */
  message: InvokeMessage;
  /** Answers host calls (checks the grant itself). */
  onCall: (call: CallMessage) => Promise<CallReply>;
  /** Told about capability uses of worker-side bindings. */
  onUse?: (use: UseMessage) => void;
  /** Wall-clock limit, ms. */
  timeoutMs: number;
  /** Told when the plugin starts running, i.e. when the `timeoutMs` clock starts. */
  onStart?: () => void;
  /** Cancels the job. */
  signal?: AbortSignal;
  /**
   * A job started by a running job (plugin-to-plugin call): it runs on the caller's slot, since
   * the caller is blocked waiting for it; taking a new slot could deadlock a full pool.
   */
  nested?: boolean;
}

interface Slot {
  worker: Worker;
  key: string;
  control: Int32Array;
  data: SharedArrayBuffer;
  ready: Promise<void>;
  dead: boolean;
  onMessage: ((m: WorkerMessage) => void) | null;
  onError: ((message: string) => void) | null;
}

const encoder = new TextEncoder();

/** Statistics, for tests and benchmarks. */
export interface PoolStats {
  /** Workers started so far. */
  spawned: number;
  /** Workers terminated (timeouts, crashes, eviction, close). */
  terminated: number;
  /** Jobs that reused a warm worker. */
  reused: number;
  /** Workers alive now. */
  alive: number;
}

/**
 * A pool of sandbox workers.
 *
 * @example
 * ```ts
 * import { SandboxPool } from "./pool.ts";
 * const pool = new SandboxPool({ size: 2 });
 * // const result = await pool.run({ key, permissions, message, onCall, timeoutMs: 30_000 });
 * pool.close();
 * ```
 */
export class SandboxPool {
  readonly size: number;
  #idlePerKey: number;
  #payloadLimit: number;
  #graceMs: number;
  #modules: () => Promise<Record<string, WebAssembly.Module>>;
  #workerUrl: URL;
  #idle: Slot[] = [];
  #running = 0;
  #queue: (() => void)[] = [];
  #closed = false;
  #stats = { spawned: 0, terminated: 0, reused: 0 };
  #alive = new Set<Slot>();

  constructor(options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? navigator.hardwareConcurrency ?? 2);
    this.#idlePerKey = options.idlePerKey ?? 2;
    this.#payloadLimit = options.payloadLimit ?? 16 * 1024 * 1024;
    this.#graceMs = options.graceMs ?? 250;
    this.#modules = options.modules ?? engineModules;
    this.#workerUrl = options.workerUrl ?? new URL("../runtime/worker.ts", import.meta.url);
  }

  /** Counters since the pool was created. */
  stats(): PoolStats {
    return { ...this.#stats, alive: this.#alive.size };
  }

  /** Run one job; resolves with the worker's result (errors are results too, never throws). */
  async run(job: PoolJob): Promise<ResultMessage> {
    if (this.#closed) return failure(job, "E_CANCELLED", "the sandbox pool is closed");
    if (job.signal?.aborted) return failure(job, "E_CANCELLED", "the invocation was cancelled");
    if (job.nested) return await this.#runOn(job);
    await this.#acquire();
    try {
      return await this.#runOn(job);
    } finally {
      this.#release();
    }
  }

  /** Terminate every worker; queued and later jobs fail with E_CANCELLED. */
  close(): void {
    this.#closed = true;
    for (const slot of [...this.#alive]) this.#kill(slot);
    this.#idle = [];
    for (const wake of this.#queue.splice(0)) wake();
  }

  #acquire(): Promise<void> {
    if (this.#running < this.size) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#queue.push(() => {
        this.#running++;
        resolve();
      })
    );
  }

  #release(): void {
    this.#running--;
    const next = this.#queue.shift();
    if (next) next();
  }

  #spawn(key: string, permissions: Deno.PermissionOptionsObject): Slot {
    const worker = new Worker(this.#workerUrl, {
      type: "module",
      name: `cru-sandbox`,
      // Deno's worker permission narrowing (needs --unstable-worker-options).
      deno: { permissions },
    } as WorkerOptions);
    const control = new SharedArrayBuffer(CTRL_WORDS * 4);
    const data = new SharedArrayBuffer(Math.min(64 * 1024, this.#payloadLimit), {
      maxByteLength: this.#payloadLimit,
    });
    const slot: Slot = {
      worker,
      key,
      control: new Int32Array(control),
      data,
      ready: Promise.resolve(),
      dead: false,
      onMessage: null,
      onError: null,
    };
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    slot.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      if (e.data.type === "ready") readyResolve();
      else slot.onMessage?.(e.data);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      slot.dead = true;
      const message = e.message ?? "the sandbox worker crashed";
      readyReject(new Error(message));
      slot.onError?.(message);
      this.#kill(slot);
    };
    this.#stats.spawned++;
    this.#alive.add(slot);
    void this.#modules().then((modules) =>
      worker.postMessage({ type: "init", control, data, modules })
    ).catch((e) => readyReject(e));
    return slot;
  }

  #kill(slot: Slot): void {
    if (!this.#alive.has(slot)) return;
    slot.dead = true;
    this.#alive.delete(slot);
    this.#idle = this.#idle.filter((s) => s !== slot);
    slot.worker.terminate();
    this.#stats.terminated++;
  }

  #take(job: PoolJob): Slot {
    const i = this.#idle.findIndex((s) => s.key === job.key && !s.dead);
    if (i >= 0) {
      this.#stats.reused++;
      return this.#idle.splice(i, 1)[0];
    }
    return this.#spawn(job.key, job.permissions);
  }

  #park(slot: Slot): void {
    if (slot.dead || this.#closed) return this.#kill(slot);
    slot.onMessage = null;
    slot.onError = null;
    const same = this.#idle.filter((s) => s.key === slot.key);
    if (same.length >= this.#idlePerKey) this.#kill(same[0]);
    this.#idle.push(slot);
    // Keep the whole pool bounded too: the oldest idle worker of another key goes first.
    while (this.#idle.length > this.size * this.#idlePerKey) this.#kill(this.#idle[0]);
  }

  async #runOn(job: PoolJob): Promise<ResultMessage> {
    let slot: Slot;
    try {
      slot = this.#take(job);
    } catch (e) {
      // Deno refuses a worker more permission than this process holds (e.g. network access when
      // cru runs without --allow-net): a failed invocation, not a crash.
      return failure(
        job,
        "E_SANDBOX",
        `the sandbox worker cannot be started with the plugin's grant: ${(e as Error).message}`,
      );
    }
    try {
      await slot.ready;
    } catch (e) {
      this.#kill(slot);
      return failure(
        job,
        "E_SANDBOX",
        `the sandbox worker failed to start: ${(e as Error).message}`,
      );
    }
    Atomics.store(slot.control, CTRL.STOP, 0);
    return await new Promise<ResultMessage>((resolve) => {
      let settled = false;
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      const finish = (result: ResultMessage, reusable: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(graceTimer);
        job.signal?.removeEventListener("abort", onAbort);
        if (reusable) this.#park(slot);
        else this.#kill(slot);
        resolve(result);
      };
      let stopped: { code: string; message: string } | null = null;
      const stop = (code: string, message: string) => {
        if (stopped) return;
        stopped = { code, message };
        // Ask the engine to stop at its next hook; if it does not answer in time, terminate.
        Atomics.store(slot.control, CTRL.STOP, 1);
        Atomics.notify(slot.control, CTRL.STATE);
        graceTimer = setTimeout(() => finish(failure(job, code, message), false), this.#graceMs);
      };
      const timer = setTimeout(() => stop("E_TIMEOUT", timeoutMessage(job)), job.timeoutMs);
      job.onStart?.();
      const onAbort = () => stop("E_CANCELLED", "the invocation was cancelled");
      job.signal?.addEventListener("abort", onAbort, { once: true });
      if (job.signal?.aborted) onAbort();
      slot.onError = (message) =>
        finish(failure(job, "E_SANDBOX", `the sandbox worker crashed: ${message}`), false);
      slot.onMessage = (m) => {
        if (m.type === "result" && m.id === job.message.id) {
          // The engine stopped itself after the stop request: report why it was stopped, keeping
          // where it was; the worker is healthy and can be reused.
          if (stopped && !m.ok) {
            finish({ ...m, error: { ...m.error, ...stopped } }, true);
          } else finish(m, true);
        } else if (m.type === "call" && m.id === job.message.id) {
          void this.#answer(slot, job, m);
        } else if (m.type === "use" && m.id === job.message.id) {
          job.onUse?.(m);
        }
      };
      slot.worker.postMessage(job.message);
    });
  }

  async #answer(slot: Slot, job: PoolJob, call: CallMessage): Promise<void> {
    let reply: CallReply;
    try {
      reply = await job.onCall(call);
    } catch (e) {
      reply = { ok: false, error: { code: "E_HOST", message: (e as Error).message } };
    }
    if (slot.dead) return;
    let bytes = encoder.encode(JSON.stringify(reply));
    if (bytes.length > this.#payloadLimit) {
      bytes = encoder.encode(JSON.stringify(
        {
          ok: false,
          error: {
            code: "E_PAYLOAD_TOO_LARGE",
            message: `the reply to crucible.${call.binding} is ${bytes.length} bytes, over the ` +
              `${this.#payloadLimit}-byte limit; ask for less (a smaller limit or fewer fields)`,
          },
        } satisfies CallReply,
      ));
    }
    if (bytes.length > slot.data.byteLength) {
      slot.data.grow(
        Math.min(this.#payloadLimit, Math.max(bytes.length, slot.data.byteLength * 2)),
      );
    }
    new Uint8Array(slot.data).set(bytes);
    Atomics.store(slot.control, CTRL.LENGTH, bytes.length);
    Atomics.store(slot.control, CTRL.STATE, 1);
    Atomics.notify(slot.control, CTRL.STATE);
  }
}

/** What a timed-out job reports. */
export function timeoutMessage(job: PoolJob): string {
  return `plugin ${job.message.plugin.name} ran longer than ${job.timeoutMs} ms and was stopped`;
}

/** The result of a job that failed before or outside its engine (timeouts, crashes, refusals). */
export function failure(job: PoolJob, code: string, message: string): ResultMessage {
  return {
    type: "result",
    id: job.message.id,
    ok: false,
    error: { code, message },
    logs: [],
    logsDropped: 0,
  };
}
