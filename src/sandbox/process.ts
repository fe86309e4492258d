/**
 * Process isolation (`isolation: process`): the invocation runs in a child `deno run` with the
 * permission flags equivalent to the grant and a V8 heap cap, for users who want the operating
 * system's process boundary as well. Host calls travel over the child's stdin/stdout. A runaway
 * child is killed when its time is up.
 *
 * @module
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { failure, type PoolJob, timeoutMessage } from "./pool.ts";
import type { CallMessage, ResultMessage, WorkerMessage } from "../runtime/protocol.ts";

/** Where a usable `deno` executable is, or why there is none. */
export function findDeno(): { path: string } | { error: string } {
  const exec = Deno.execPath();
  if (/^deno(\.exe)?$/i.test(path.basename(exec))) return { path: exec };
  for (const dir of (Deno.env.get("PATH") ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, Deno.build.os === "windows" ? "deno.exe" : "deno");
    try {
      if (Deno.statSync(candidate).isFile) return { path: candidate };
    } catch { /* keep looking */ }
  }
  return {
    error: "process isolation needs a deno executable and none was found on PATH: install " +
      "Deno (npm install -g deno), or set sandbox.isolation: worker",
  };
}

function flag(name: string, value: boolean | string[] | undefined): string[] {
  if (value === undefined || value === false) return [];
  if (value === true) return [`--allow-${name}`];
  return value.length ? [`--allow-${name}=${value.join(",")}`] : [];
}

/** Run one job in a child process; never throws. */
export async function runInProcess(job: PoolJob): Promise<ResultMessage> {
  const deno = findDeno();
  if ("error" in deno) return failure(job, "E_SANDBOX", deno.error);
  const here = import.meta.dirname!;
  const main = path.join(here, "..", "runtime", "process_main.ts");
  const config = path.join(here, "..", "..", "deno.json");
  const luaWasm = fileURLToPath(new URL("./glue.wasm", import.meta.resolve("wasmoon")));
  const p = job.permissions;
  const read = Array.isArray(p.read) ? [...p.read.map(String), luaWasm] : [luaWasm];
  const heapMb = Math.max(16, Math.ceil(job.message.limits.memory / (1024 * 1024)) + 64);
  const child = new Deno.Command(deno.path, {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      `--config=${config}`,
      `--v8-flags=--max-old-space-size=${heapMb}`,
      ...flag("read", read),
      ...flag("net", p.net as string[] | boolean),
      main,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    clearEnv: true,
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const send = (value: unknown) => writer.write(encoder.encode(JSON.stringify(value) + "\n"));

  let stderr = "";
  const stderrDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr = (stderr + chunk).slice(-4000);
    }
  })();

  let result: ResultMessage | null = null;
  let timedOut: { code: string; message: string } | null = null;
  const kill = (code: string, message: string) => {
    timedOut = { code, message };
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  };
  const timer = setTimeout(
    () => kill("E_TIMEOUT", timeoutMessage(job)),
    job.timeoutMs,
  );
  const onAbort = () => kill("E_CANCELLED", "the invocation was cancelled");
  job.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await send({ invoke: job.message, luaWasm });
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = JSON.parse(line) as WorkerMessage;
        if (m.type === "call") {
          await send(await job.onCall(m as CallMessage));
        } else if (m.type === "use") {
          job.onUse?.(m);
        } else if (m.type === "result") {
          result = m;
        }
      }
    }
  } catch (e) {
    if (!timedOut) kill("E_SANDBOX", `the sandbox process failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
    job.signal?.removeEventListener("abort", onAbort);
    try {
      await writer.close();
    } catch { /* the child is gone */ }
  }
  await child.status;
  await stderrDone;
  if (timedOut) {
    return failure(
      job,
      (timedOut as { code: string }).code,
      (timedOut as { message: string }).message,
    );
  }
  if (result) return result;
  if (/heap out of memory|Allocation failed/i.test(stderr)) {
    return failure(job, "E_MEMORY", "the plugin's process ran out of memory");
  }
  return failure(
    job,
    "E_SANDBOX",
    `the sandbox process ended without a result${
      stderr ? `: ${stderr.trim().split("\n").slice(-3).join(" ")}` : ""
    }`,
  );
}
