/**
 * The sandbox pool: Deno Web Workers with narrowed permissions, kept warm per (plugin hash,
 * grant) and reused, at most `size` running at once (the rest queue). A stuck invocation is asked
 * to stop, then its worker is terminated and replaced; a crashed worker is replaced too. Engine
 * state never outlives an invocation (each one gets a fresh engine instance inside the worker),
 * and a worker that does not go idle soon after its result is terminated, not kept warm.
 *
 * Plugin-to-plugin calls take run slots like any other job. A job blocked in a host call that
 * waits for plugins it called (`invoke_plugin`, `invoke_plugin_wait`, `batch`) lends its slot
 * while it waits and takes one back, before any new job, when the answer is ready. So a slot is
 * always held by a job that makes progress: a full pool queues nested calls but never deadlocks,
 * and deeper calls are started before shallower ones so a fan-out finishes the calls it waits for
 * before it opens new ones.
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
  /**
   * Time a worker has, after its result, to dispose of the engine and say it is idle; after it,
   * the worker is terminated instead of kept warm and the result is returned (default 1000 ms).
   */
  idleMs?: number;
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
   * How deep in plugin-to-plugin calls the job is (0: asked for by a user or agent). Deeper jobs
   * are started first when slots free up.
   */
  depth?: number;
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
  /** The invocation the worker serves now (replies to earlier ones are dropped). */
  serving: string | null;
  /** Fails `ready` (the worker was terminated before it started). */
  notReady: (e: Error) => void;
}

/** A job's hold on a run slot. */
interface Lease {
  holding: boolean;
  done: boolean;
}

/** A job (or a job resuming after nested calls) waiting for a run slot. */
interface Waiter {
  rank: number;
  seq: number;
  wake: (granted: boolean) => void;
}

/** Host calls in which the calling job waits for the plugins it called: it lends its slot. */
const WAITS_FOR_PLUGINS = new Set(["invoke_plugin", "invoke_plugin_wait", "batch"]);

/** Rank of a job resuming after nested calls: above every new job. */
const RESUMING = 1_000;

const encoder = new TextEncoder();

/** Statistics, for tests and benchmarks. */
export interface PoolStats {
  /** Workers started so far. */
  spawned: number;
  /** Workers terminated (timeouts, crashes, eviction, close). */
  terminated: number;
  /** Jobs that reused a warm worker. */
  reused: number;
  /** Workers alive now (running, waiting for nested calls, or idle). */
  alive: number;
  /** Jobs holding a run slot now. */
  busy: number;
  /** Most jobs that ever held a run slot at once (never above `size`). */
  peakBusy: number;
  /** Workers serving a job now (running, or waiting for the plugins it called). */
  active: number;
  /** Most workers that ever served jobs at once. */
  peakActive: number;
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
  #idleMs: number;
  #modules: () => Promise<Record<string, WebAssembly.Module>>;
  #workerUrl: URL;
  #idle: Slot[] = [];
  #running = 0;
  #queue: Waiter[] = [];
  #seq = 0;
  #closed = false;
  #stats = { spawned: 0, terminated: 0, reused: 0, peakBusy: 0, peakActive: 0 };
  #alive = new Set<Slot>();
  /** Cancels each job that has a worker, for close(). */
  #jobs = new Set<() => void>();
  #serving = 0;

  constructor(options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? navigator.hardwareConcurrency ?? 2);
    this.#idlePerKey = options.idlePerKey ?? 2;
    this.#payloadLimit = options.payloadLimit ?? 16 * 1024 * 1024;
    this.#graceMs = options.graceMs ?? 250;
    this.#idleMs = options.idleMs ?? 1000;
    this.#modules = options.modules ?? engineModules;
    this.#workerUrl = options.workerUrl ?? new URL("../runtime/worker.ts", import.meta.url);
  }

  /** Counters since the pool was created. */
  stats(): PoolStats {
    return {
      ...this.#stats,
      alive: this.#alive.size,
      busy: this.#running,
      active: this.#serving,
    };
  }

  /** Run one job; resolves with the worker's result (errors are results too, never throws). */
  async run(job: PoolJob): Promise<ResultMessage> {
    if (this.#closed) return failure(job, "E_CANCELLED", "the sandbox pool is closed");
    if (job.signal?.aborted) return failure(job, ...stopReason(job.signal));
    const lease: Lease = { holding: false, done: false };
    if (!(await this.#acquire(job.depth ?? 0, job.signal))) {
      return this.#closed
        ? failure(job, "E_CANCELLED", "the sandbox pool is closed")
        : failure(job, ...stopReason(job.signal!));
    }
    lease.holding = true;
    try {
      return await this.#runOn(job, lease);
    } finally {
      lease.done = true;
      if (lease.holding) {
        lease.holding = false;
        this.#release();
      }
    }
  }

  /** Terminate every worker; running, queued and later jobs fail with E_CANCELLED. */
  close(): void {
    this.#closed = true;
    for (const cancel of [...this.#jobs]) cancel();
    for (const slot of [...this.#alive]) this.#kill(slot);
    this.#idle = [];
    for (const w of this.#queue.splice(0)) w.wake(false);
  }

  /** Wait for a run slot; false when the pool closed or the signal fired first. */
  #acquire(rank: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#running < this.size) {
      this.#grant();
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        rank,
        seq: this.#seq++,
        wake: (granted) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(granted);
        },
      };
      const onAbort = () => {
        this.#queue = this.#queue.filter((w) => w !== waiter);
        resolve(false);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #grant(): void {
    this.#running++;
    this.#stats.peakBusy = Math.max(this.#stats.peakBusy, this.#running);
  }

  #release(): void {
    this.#running--;
    while (this.#running < this.size && this.#queue.length > 0) {
      let best = 0;
      for (let i = 1; i < this.#queue.length; i++) {
        const w = this.#queue[i];
        const b = this.#queue[best];
        if (w.rank > b.rank || (w.rank === b.rank && w.seq < b.seq)) best = i;
      }
      const [next] = this.#queue.splice(best, 1);
      this.#grant();
      next.wake(true);
    }
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
      serving: null,
      notReady: () => {},
    };
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    slot.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    slot.notReady = readyReject;
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
    slot.notReady(new Error("the worker was terminated before it started"));
    this.#stats.terminated++;
  }

  #take(job: PoolJob): Slot {
    const i = this.#idle.findIndex((s) => s.key === job.key && !s.dead);
    let slot: Slot;
    if (i >= 0) {
      this.#stats.reused++;
      slot = this.#idle.splice(i, 1)[0];
    } else slot = this.#spawn(job.key, job.permissions);
    this.#serving++;
    this.#stats.peakActive = Math.max(this.#stats.peakActive, this.#serving);
    return slot;
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

  async #runOn(job: PoolJob, lease: Lease): Promise<ResultMessage> {
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
      this.#serving--;
      this.#kill(slot);
      if (this.#closed) return failure(job, "E_CANCELLED", "the sandbox pool is closed");
      return failure(
        job,
        "E_SANDBOX",
        `the sandbox worker failed to start: ${(e as Error).message}`,
      );
    }
    Atomics.store(slot.control, CTRL.STOP, 0);
    slot.serving = job.message.id;
    return await new Promise<ResultMessage>((resolve) => {
      let settled = false;
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      const finish = (result: ResultMessage, reusable: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(graceTimer);
        job.signal?.removeEventListener("abort", onAbort);
        this.#jobs.delete(cancel);
        this.#serving--;
        if (reusable && !slot.dead && !this.#closed) {
          slot.serving = null;
          this.#park(slot);
        } else this.#kill(slot);
        resolve(result);
      };
      // The result counts once the worker has disposed of the engine and said it is idle:
      // disposal runs plugin code no instruction budget covers (Lua `__gc` finalizers), and a
      // worker still busy after idleMs is terminated rather than kept warm.
      let result: ResultMessage | null = null;
      const settle = (m: ResultMessage) => {
        result = m;
        clearTimeout(timer);
        clearTimeout(graceTimer);
        graceTimer = setTimeout(() => finish(m, false), this.#idleMs);
      };
      const cancel = () =>
        finish(
          result ??
            failure(job, "E_CANCELLED", "cru shut the sandbox down before the plugin ended"),
          false,
        );
      this.#jobs.add(cancel);
      let stopped: { code: string; message: string } | null = null;
      const stop = (code: string, message: string) => {
        if (stopped || result) return;
        stopped = { code, message };
        // Ask the engine to stop at its next hook; if it does not answer in time, terminate.
        Atomics.store(slot.control, CTRL.STOP, 1);
        Atomics.notify(slot.control, CTRL.STATE);
        graceTimer = setTimeout(() => finish(failure(job, code, message), false), this.#graceMs);
      };
      const timer = setTimeout(() => stop("E_TIMEOUT", timeoutMessage(job)), job.timeoutMs);
      job.onStart?.();
      const onAbort = () => stop(...stopReason(job.signal!));
      job.signal?.addEventListener("abort", onAbort, { once: true });
      if (job.signal?.aborted) onAbort();
      slot.onError = (message) =>
        finish(
          result ?? failure(job, "E_SANDBOX", `the sandbox worker crashed: ${message}`),
          false,
        );
      slot.onMessage = (m) => {
        if (m.type === "idle" && m.id === job.message.id && result) {
          finish(result, true);
        } else if (m.type === "result" && m.id === job.message.id && !result) {
          // The engine stopped itself after the stop request: report why it was stopped, keeping
          // where it was; the worker is healthy and can be reused. A plugin that caught the stop
          // and returned a value anyway still ran past its deadline: the stop wins.
          if (stopped) {
            const { code, message } = stopped;
            settle({ ...m, ok: false, value: undefined, error: { ...m.error, code, message } });
          } else settle(m);
        } else if (m.type === "call" && m.id === job.message.id) {
          void this.#answer(slot, job, m, lease);
        } else if (m.type === "use" && m.id === job.message.id) {
          job.onUse?.(m);
        }
      };
      slot.worker.postMessage(job.message);
    });
  }

  async #answer(slot: Slot, job: PoolJob, call: CallMessage, lease: Lease): Promise<void> {
    const lends = WAITS_FOR_PLUGINS.has(call.binding) && lease.holding;
    if (lends) {
      lease.holding = false;
      this.#release();
    }
    let reply: CallReply;
    try {
      reply = await job.onCall(call);
    } catch (e) {
      reply = { ok: false, error: { code: "E_HOST", message: (e as Error).message } };
    }
    if (lends && await this.#acquire(RESUMING + (job.depth ?? 0))) {
      // The job may have ended (stopped, killed) while it waited for the slot: give it back.
      if (lease.done) this.#release();
      else lease.holding = true;
    }
    // A reply for an invocation the worker no longer serves would land in the next one's buffer.
    if (slot.dead || slot.serving !== job.message.id) return;
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

/**
 * Why a job was stopped by its signal: the abort reason when it carries an error code (a caller
 * that ended, an audit log that failed), else a plain cancellation.
 */
export function stopReason(signal: AbortSignal): [code: string, message: string] {
  const r = signal.reason as { code?: unknown; message?: unknown } | undefined;
  if (r && typeof r.code === "string" && r.code.startsWith("E_") && typeof r.message === "string") {
    return [r.code, r.message];
  }
  return ["E_CANCELLED", "the invocation was cancelled"];
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
