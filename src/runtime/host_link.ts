/**
 * The worker's side of host calls: post the request, block on the shared control word until the
 * host replies, read the JSON reply from the shared data buffer.
 *
 * @module
 */
import { type CallReply, CTRL, type Json, type WorkerMessage } from "./protocol.ts";
import { PluginError } from "./engine.ts";

/** Synchronous calls to the host. */
export class HostLink {
  #control: Int32Array;
  #data: SharedArrayBuffer;
  #post: (m: WorkerMessage) => void;
  #decoder = new TextDecoder();

  /** @param control control words; @param data reply buffer; @param post postMessage */
  constructor(
    control: SharedArrayBuffer,
    data: SharedArrayBuffer,
    post: (m: WorkerMessage) => void,
  ) {
    this.#control = new Int32Array(control);
    this.#data = data;
    this.#post = post;
  }

  /** True once the host asked the invocation to stop. */
  stopRequested(): boolean {
    return Atomics.load(this.#control, CTRL.STOP) === 1;
  }

  /** Clear the stop flag and reply state at the start of an invocation. */
  reset(): void {
    Atomics.store(this.#control, CTRL.STOP, 0);
    Atomics.store(this.#control, CTRL.STATE, 0);
  }

  /** Call a host binding and wait for its reply. */
  call(id: string, binding: string, args: Json[]): Json {
    if (this.stopRequested()) throw new PluginError("E_TIMEOUT", "the invocation was stopped");
    Atomics.store(this.#control, CTRL.STATE, 0);
    this.#post({ type: "call", id, binding, args });
    // Block until the host flips STATE; wake periodically to notice a stop request.
    while (Atomics.load(this.#control, CTRL.STATE) === 0) {
      Atomics.wait(this.#control, CTRL.STATE, 0, 1000);
      if (this.stopRequested() && Atomics.load(this.#control, CTRL.STATE) === 0) {
        throw new PluginError("E_TIMEOUT", "the invocation was stopped while waiting for the host");
      }
    }
    const length = Atomics.load(this.#control, CTRL.LENGTH);
    // Copy out of the shared buffer: TextDecoder does not read shared memory directly.
    const bytes = new Uint8Array(length);
    bytes.set(new Uint8Array(this.#data, 0, length));
    Atomics.store(this.#control, CTRL.STATE, 0);
    const reply = JSON.parse(this.#decoder.decode(bytes)) as CallReply;
    if (!reply.ok) throw new PluginError(reply.error.code, reply.error.message);
    return reply.value;
  }
}
