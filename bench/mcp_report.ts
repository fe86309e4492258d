/**
 * The `cru mcp` figures docs/benchmarks.md quotes (issue targets in brackets):
 *
 * - `tools/list` with 100 plugins in the kiln [≤ 50 ms];
 * - a warm `dice-roller` tool call through the server, server side [p50 ≤ 2 ms];
 * - server start (spawning `deno run cli.ts mcp`) to the first `tools/list` answer [≤ 500 ms].
 *
 * The first two run the real server in this process with the SDK's in-memory transport (the
 * whole JSON-RPC path, no pipes); the third spawns the real CLI and talks stdio to it. A few
 * stdio round trips of the same calls are shown beside them for reference.
 *
 * ```sh
 * deno run -A bench/mcp_report.ts            # Markdown on stdout, progress on stderr
 * deno run -A bench/mcp_report.ts --quick    # fewer repetitions
 * ```
 *
 * @module
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { type JSONRPCMessage, LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { loadConfig } from "../src/config/config.ts";
import { createSession } from "../src/plugins/session.ts";
import { createMcpServer } from "../src/agents/mcp.ts";
import { CRU_TASK_FLAGS, homeEnv, REPO, tempDemoKiln } from "../tests/helpers.ts";
import { startCruMcp } from "../tests/agents/mcp_helpers.ts";

const args = parseArgs({ args: Deno.args, options: { quick: { type: "boolean" } } });
const quick = args.values.quick ?? false;

/** Percentiles of a sample, ms. */
function summary(samples: number[]): { p50: number; p95: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: round(at(0.5)), p95: round(at(0.95)), n: s.length };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** A Lua plugin with a few parameters and a declared result, as a generated tool would be. */
function plugin(i: number): string {
  return `---
name: bench-tool-${i}
description: Benchmark tool number ${i} that formats a greeting for a note
version: 1.0.${i}
language: lua
capabilities: [KilnRead]
parameters:
  name: {type: string, required: true, description: Who to greet}
  times: {type: integer, minimum: 1, maximum: 10, default: 1}
  loud: boolean
returns:
  type: object
  properties:
    text: string
tags: [bench, greeting]
---
function main(params)
  return {text = string.rep("hello " .. params.name .. " ", params.times)}
end
`;
}

const log = (line: string) => console.error(line);
using kiln = tempDemoKiln();
for (let i = 0; i < 100; i++) kiln.write(`.crucible/plugins/bench-tool-${i}.lua`, plugin(i));
const home = Deno.makeTempDirSync({ prefix: "cru-mcp-bench-" });
const env = (name: string) => homeEnv(home)[name] ?? Deno.env.get(name);

// In process: the real server and client over the SDK's in-memory transport.
const config = loadConfig({ kilnRoot: kiln.root, env });
// A bench calls far more often than the default rate limit allows.
config.sandbox.rate = config.sandbox.max.rate = 1e9;
config.sandbox.burst = 1e9;
const session = await createSession({ kiln: kiln.root, config, env });
const mcp = createMcpServer(session, { version: "bench" });
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await mcp.connect(serverSide);
const client = new Client({ name: "bench", version: "1" });
await client.connect(clientSide);

// Server side: raw JSON-RPC messages on the transport, so the client's response parsing (the
// SDK client checks every answer against its schemas) is not counted.
const [rawSide, rawServerSide] = InMemoryTransport.createLinkedPair();
const mcpRaw = createMcpServer(session, { version: "bench" });
await mcpRaw.connect(rawServerSide);
const waiting = new Map<number, (m: JSONRPCMessage) => void>();
rawSide.onmessage = (m: JSONRPCMessage) => {
  JSON.stringify(m); // what the stdio transport does with every answer
  if ("id" in m && typeof m.id === "number") waiting.get(m.id)?.(m);
};
await rawSide.start();
let nextId = 0;
const rpc = (method: string, params: Record<string, unknown> = {}) =>
  new Promise<JSONRPCMessage>((resolve) => {
    const id = ++nextId;
    waiting.set(id, resolve);
    rawSide.send({ jsonrpc: "2.0", id, method, params });
  });
await rpc("initialize", {
  protocolVersion: LATEST_PROTOCOL_VERSION,
  capabilities: {},
  clientInfo: { name: "bench", version: "1" },
});
await rawSide.send({ jsonrpc: "2.0", method: "notifications/initialized" });

log("tools/list, 100 plugins + the built-in ones…");
const tools = (await client.listTools()).tools.length;
const list = summary(await timed(quick ? 20 : 100, () => rpc("tools/list")));
const listClient = summary(await timed(quick ? 20 : 100, () => client.listTools()));

log("warm dice-roller calls…");
const diceRaw = () =>
  rpc("tools/call", { name: "dice-roller", arguments: { expression: "2d6+3" } });
const dice = () => client.callTool({ name: "dice-roller", arguments: { expression: "2d6+3" } });
await timed(20, diceRaw); // warm: worker started, plugin compiled, index open
const call = summary(await timed(quick ? 100 : 500, diceRaw));
const callClient = summary(await timed(quick ? 100 : 500, dice));
// The same invocation without the server: what the sandbox itself costs.
const direct = summary(
  await timed(quick ? 100 : 500, () => session.run("dice-roller", { expression: "2d6+3" })),
);
await client.close();
await mcp.close();
await mcpRaw.close();
session.close();

log("server start to first tools/list (spawned cru mcp over stdio)…");
const starts: number[] = [];
const stdioList: number[] = [];
const stdioCall: number[] = [];
for (let i = 0; i < (quick ? 2 : 5); i++) {
  const t = performance.now();
  await using cru = await startCruMcp(kiln.root, { home });
  await cru.client.listTools();
  starts.push(performance.now() - t);
  if (i === 0) {
    stdioList.push(...await timed(20, () => cru.client.listTools()));
    const d = () =>
      cru.client.callTool({ name: "dice-roller", arguments: { expression: "2d6+3" } });
    await timed(5, d);
    stdioCall.push(...await timed(40, d));
  }
}

// Floors of the start: a bare `cru --version`, and `cru plugins list` (the same registry load).
const cruRun = (cliArgs: string[]) => async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...CRU_TASK_FLAGS, path.join(REPO, "cli.ts"), ...cliArgs],
    env: homeEnv(home),
    stdout: "null",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`cru ${cliArgs.join(" ")} failed`);
};
log("process start floors…");
const version = summary(await timed(quick ? 2 : 5, cruRun(["--version"])));
const listCli = summary(
  await timed(quick ? 2 : 5, cruRun(["--kiln", kiln.root, "plugins", "list", "--json"])),
);
Deno.removeSync(home, { recursive: true });

const start = summary(starts);
const sl = summary(stdioList);
const sc = summary(stdioCall);
console.log(`| measurement | p50 | p95 | n | target |
| --- | ---: | ---: | ---: | --- |
| tools/list, ${tools} tools (100 plugins), server side | ${list.p50} ms | ${list.p95} ms | ${list.n} | ≤ 50 ms |
| warm dice-roller tools/call, server side | ${call.p50} ms | ${call.p95} ms | ${call.n} | p50 ≤ 2 ms |
| server start to first tools/list (spawn + stdio) | ${start.p50} ms | ${start.p95} ms | ${start.n} | ≤ 500 ms |
| cru --version, spawned (process start floor) | ${version.p50} ms | ${version.p95} ms | ${version.n} | |
| cru plugins list --json, same kiln (registry load floor) | ${listCli.p50} ms | ${listCli.p95} ms | ${listCli.n} | |
| dice-roller through session.run, no server (reference) | ${direct.p50} ms | ${direct.p95} ms | ${direct.n} | |
| tools/list, SDK client in process (reference) | ${listClient.p50} ms | ${listClient.p95} ms | ${listClient.n} | |
| warm dice-roller tools/call, SDK client in process (reference) | ${callClient.p50} ms | ${callClient.p95} ms | ${callClient.n} | |
| tools/list over stdio (reference) | ${sl.p50} ms | ${sl.p95} ms | ${sl.n} | |
| warm dice-roller tools/call over stdio (reference) | ${sc.p50} ms | ${sc.p95} ms | ${sc.n} | |`);
