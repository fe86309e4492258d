/**
 * Process isolation (`isolation: process`): the invocation runs in a child `deno run` with the
 * permission flags equivalent to the grant and a V8 heap cap, for users who want the operating
 * system's process boundary as well. Host calls travel over the child's stdin/stdout. A runaway
 * child is killed when its time is up.
 *
 * The child starts offline (`--cached-only`) from this process's module cache, and its
 * environment holds only what Deno needs to find that cache and verify certificates: never the
 * user's whole environment.
 *
 * @module
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { failure, type PoolJob, stopReason, timeoutMessage } from "./pool.ts";
import type { CallMessage, ResultMessage, WorkerMessage } from "../runtime/protocol.ts";

/**
 * Where a usable `deno` executable is, or why there is none: the one running cru, else the first
 * on PATH, whichever this process may start (`--allow-run=deno` names the one on PATH, which may
 * be a link to the running one).
 */
export function findDeno(): { path: string } | { error: string } {
  const candidates: string[] = [];
  const exec = Deno.execPath();
  if (/^deno(\.exe)?$/i.test(path.basename(exec))) candidates.push(exec);
  for (const dir of (Deno.env.get("PATH") ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, Deno.build.os === "windows" ? "deno.exe" : "deno");
    try {
      if (Deno.statSync(candidate).isFile) {
        candidates.push(candidate);
        break;
      }
    } catch { /* keep looking */ }
  }
  if (candidates.length === 0) {
    return {
      error: "process isolation needs a deno executable and none was found on PATH: install " +
        "Deno (npm install -g deno), or set sandbox.isolation: worker",
    };
  }
  const allowed = candidates.find((c) =>
    Deno.permissions.querySync({ name: "run", command: c }).state === "granted"
  );
  if (allowed) return { path: allowed };
  return {
    error: `process isolation needs permission to start ${candidates[0]}: run cru with ` +
      `--allow-run=deno (the cru task grants it), or set sandbox.isolation: worker`,
  };
}

/** Environment variables passed on to a sandbox child when they are set. */
const PASSED_ENV = [
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "SYSTEMROOT",
];

/** The module cache this process uses (DENO_DIR, else Deno's default for the platform). */
export function denoCacheDir(): string {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const explicit = env("DENO_DIR");
  if (explicit) return path.resolve(explicit);
  const home = env("HOME") ?? env("USERPROFILE") ?? "";
  if (Deno.build.os === "darwin") return path.join(home, "Library", "Caches", "deno");
  if (Deno.build.os === "windows") {
    return path.join(env("LOCALAPPDATA") ?? path.join(home, "AppData", "Local"), "deno");
  }
  return path.join(env("XDG_CACHE_HOME") ?? path.join(home, ".cache"), "deno");
}

/** The whole environment of a sandbox child. */
export function childEnv(): Record<string, string> {
  const out: Record<string, string> = {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    DENO_DIR: denoCacheDir(),
  };
  for (const name of PASSED_ENV) {
    const value = Deno.env.get(name);
    if (value) out[name] = value;
  }
  return out;
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
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(deno.path, {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        // Offline, from the cache the host itself was loaded from: a plugin run never downloads.
        "--cached-only",
        `--config=${config}`,
        `--v8-flags=--max-old-space-size=${heapMb}`,
        ...flag("read", read),
        ...flag("net", p.net as string[] | boolean),
        main,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: childEnv(),
      clearEnv: true,
    }).spawn();
  } catch (e) {
    return failure(
      job,
      "E_SANDBOX",
      `process isolation could not start ${deno.path}: ${(e as Error).message}; cru needs ` +
        `permission to run deno (--allow-run=deno, as the cru task grants), or set ` +
        `sandbox.isolation: worker`,
    );
  }
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
  const onAbort = () => kill(...stopReason(job.signal!));
  job.signal?.addEventListener("abort", onAbort, { once: true });
  if (job.signal?.aborted) onAbort();
  // After its result the child has a moment to exit; one that does not (a finalizer spinning as
  // the engine closes) is killed, and the result stands.
  let exitTimer: ReturnType<typeof setTimeout> | undefined;
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
        } else if (m.type === "result" && !result && !timedOut) {
          result = m;
          clearTimeout(timer);
          job.signal?.removeEventListener("abort", onAbort);
          exitTimer = setTimeout(() => {
            try {
              child.kill("SIGKILL");
            } catch { /* already gone */ }
          }, 1000);
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
  clearTimeout(exitTimer);
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
