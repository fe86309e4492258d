/**
 * The sandbox worker's entry point. It holds only what the grant's Deno permissions allow; it
 * runs one invocation at a time, each in a fresh engine instance, and talks to the host only
 * through JSON messages and the shared reply buffer.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { HostLink } from "./host_link.ts";
import type { InitMessage, InvokeMessage, WorkerMessage } from "./protocol.ts";
import { runInvocation } from "./invocation.ts";

let link: HostLink | null = null;
let modules: Record<string, WebAssembly.Module> = {};

function post(m: WorkerMessage): void {
  self.postMessage(m);
}

self.onmessage = (e: MessageEvent<InitMessage | InvokeMessage>) => {
  const m = e.data;
  if (m.type === "init") {
    link = new HostLink(m.control, m.data, post);
    modules = m.modules;
    post({ type: "ready" });
  } else if (m.type === "invoke") {
    void runInvocation(m, link!, modules, post).then(() => post({ type: "idle", id: m.id }));
  }
};
