/**
 * The messages between the host and a sandbox worker, and the layout of the shared buffer that
 * makes host calls synchronous for plugin code.
 *
 * A host call: the worker posts `{type: "call"}` and blocks in `Atomics.wait` on the control word;
 * the host checks the request against the grant, runs it, writes the JSON reply into the shared
 * buffer (growing it up to the payload limit), stores the reply's length, flips the control word
 * and notifies. Only JSON crosses, in both directions.
 *
 * @module
 */

/** JSON values: the only data that crosses a boundary. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Index of the words in the control array. */
export const CTRL = {
  /** 0 idle / waiting, 1 reply ready. */
  STATE: 0,
  /** Byte length of the reply in the data buffer. */
  LENGTH: 1,
  /** Set to 1 by the host to ask the engine to stop (timeout, cancellation). */
  STOP: 2,
} as const;

/** Control words (Int32). */
export const CTRL_WORDS = 4;

/** A plugin as the worker needs it to run. */
export interface WorkerPlugin {
  /** Plugin name. */
  name: string;
  /** Absolute file path (for error messages). */
  file: string;
  /** Engine language. */
  language: string;
  /** Code, with the file's line numbers. */
  code: string;
  /** SHA-256 of the file. */
  hash: string;
}

/** Limits the engine enforces itself. */
export interface EngineLimits {
  /** Bytes of engine memory. */
  memory: number;
  /** Largest file read in the worker, bytes. */
  fileSize: number;
  /** Most log bytes kept. */
  logBytes: number;
}

/** Host → worker: run one invocation. */
export interface InvokeMessage {
  type: "invoke";
  /** Invocation id. */
  id: string;
  plugin: WorkerPlugin;
  /** Function to call. */
  fn: string;
  /** Validated parameters. */
  params: Json;
  limits: EngineLimits;
  /** Capability names granted (worker-side bindings check these before touching anything). */
  granted: string[];
  /** Kiln root (absolute, real path). */
  kilnRoot: string;
  /** Names of the plugin's declared dependencies (requirable as call proxies). */
  dependencies: string[];
  /** Absolute paths the grant's FsRead allows (home already expanded). */
  fsRead: string[];
  /**
   * Folders `fs.read`/`fs.list` refuse even inside an FsRead path: the kiln's `.crucible/` (other
   * plugins' state, the journal), the user's config folder (approvals, keys), the compile cache.
   */
  fsReadGuarded?: string[];
  /** Record which lines of the plugin file run (`cru plugins test`). */
  coverage?: boolean;
}

/** Host → worker: set up the shared buffers (once per worker). */
export interface InitMessage {
  type: "init";
  /** Control words. */
  control: SharedArrayBuffer;
  /** Reply bytes (growable). */
  data: SharedArrayBuffer;
  /** Compiled engine modules the host prepared (e.g. wasmoon's glue.wasm), by name. */
  modules: Record<string, WebAssembly.Module>;
}

/** Worker → host: a host call; the worker blocks until the reply is in the buffer. */
export interface CallMessage {
  type: "call";
  /** Invocation id. */
  id: string;
  /** Binding name. */
  binding: string;
  /** Positional arguments. */
  args: Json[];
}

/** Worker → host: a capability use by a worker-side binding, for the audit log (no reply). */
export interface UseMessage {
  type: "use";
  id: string;
  binding: string;
  capability: string | null;
  target?: string;
  granted: boolean;
  /** Why it was refused, when it was. */
  reason?: string;
}

/** A structured error from plugin code or a binding. */
export interface ErrorInfo {
  /** Stable code, `E_…`. */
  code: string;
  /** What happened. */
  message: string;
  /** Plugin file, when the error comes from plugin code. */
  file?: string;
  /** Line in the plugin file. */
  line?: number;
  /** Column. */
  column?: number;
  /** Short traceback. */
  traceback?: string;
}

/** Worker → host: the invocation ended. */
export interface ResultMessage {
  type: "result";
  id: string;
  ok: boolean;
  value?: Json;
  error?: ErrorInfo;
  /** Lines the plugin printed/logged. */
  logs: string[];
  /** Log lines dropped because the log was full. */
  logsDropped: number;
  /** Lines of the plugin file that ran, when coverage was asked for. */
  coverage?: CoverageReport;
}

/** Line coverage of one invocation, in the plugin file's own line numbers. */
export interface CoverageReport {
  /** Lines that hold code the engine can run. */
  executable: number[];
  /** Lines that ran at least once. */
  hit: number[];
}

/** Worker → host: the worker started. */
export interface ReadyMessage {
  type: "ready";
}

/**
 * Worker → host: the invocation's engine was disposed and the worker waits for the next one. A
 * worker that does not say so soon after its result (a Lua `__gc` finalizer spinning while the
 * state closes) is terminated rather than kept warm.
 */
export interface IdleMessage {
  type: "idle";
  id: string;
}

/** Any message from the worker. */
export type WorkerMessage = CallMessage | UseMessage | ResultMessage | ReadyMessage | IdleMessage;

/** Host reply to a call, as JSON in the data buffer. */
export type CallReply = { ok: true; value: Json } | { ok: false; error: ErrorInfo };
