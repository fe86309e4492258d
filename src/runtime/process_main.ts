/**
 * Entry point of a sandbox child process (`isolation: process`). It runs one invocation like a
 * worker does, under the permission flags the host started it with, and talks to the host over
 * stdin/stdout: one JSON message per line. Host calls block on a synchronous read of stdin.
 *
 * @module
 */
import { type HostChannel, runInvocation } from "./invocation.ts";
import { PluginError } from "./engine.ts";
import type { CallReply, InvokeMessage, Json, WorkerMessage } from "./protocol.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let pending = new Uint8Array(0);

function writeLine(value: unknown): void {
  const bytes = encoder.encode(JSON.stringify(value) + "\n");
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

function readLine(): string | null {
  const chunk = new Uint8Array(64 * 1024);
  while (true) {
    const nl = pending.indexOf(10);
    if (nl >= 0) {
      const line = decoder.decode(pending.subarray(0, nl));
      pending = pending.slice(nl + 1);
      return line;
    }
    const n = Deno.stdin.readSync(chunk);
    if (n === null) return null;
    const next = new Uint8Array(pending.length + n);
    next.set(pending);
    next.set(chunk.subarray(0, n), pending.length);
    pending = next;
  }
}

/** Host calls over stdio. A stop request arrives as the process being killed. */
const channel: HostChannel = {
  reset() {},
  stopRequested: () => false,
  call(id: string, binding: string, args: Json[]): Json {
    writeLine({ type: "call", id, binding, args } satisfies WorkerMessage);
    const line = readLine();
    if (line === null) throw new PluginError("E_SANDBOX", "the host closed the connection");
    const reply = JSON.parse(line) as CallReply;
    if (!reply.ok) throw new PluginError(reply.error.code, reply.error.message);
    return reply.value;
  },
};

const first = readLine();
if (first !== null) {
  const { invoke, luaWasm } = JSON.parse(first) as { invoke: InvokeMessage; luaWasm: string };
  const modules: Record<string, WebAssembly.Module> = {};
  if (invoke.plugin.language === "lua") {
    modules.lua = await WebAssembly.compile(Deno.readFileSync(luaWasm));
  }
  await runInvocation(invoke, channel, modules, writeLine);
}
