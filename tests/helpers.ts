/**
 * Shared test helpers: temporary kilns on disk, running the real `cru` binary as a subprocess
 * with every path root pointed at temporary folders, and small assertions.
 *
 * @module
 */
import * as path from "node:path";

/** Root of the repository. */
export const REPO = path.resolve(import.meta.dirname!, "..");
/** The shipped demo kiln. */
export const DEMO_KILN = path.join(REPO, "tests", "fixtures", "demo_kiln");

/** A temporary kiln; `Symbol.dispose` removes it. */
export interface TempKiln extends Disposable {
  /** Absolute root. */
  root: string;
  /** Write (creating folders) a file relative to the root. */
  write(rel: string, content: string | Uint8Array): string;
  /** Remove a file relative to the root. */
  remove(rel: string): void;
}

/** Create a temporary kiln holding these files. */
export function tempKiln(files: Record<string, string | Uint8Array> = {}): TempKiln {
  const root = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "cru-kiln-" }));
  const kiln: TempKiln = {
    root,
    write(rel, content) {
      const abs = path.join(root, rel);
      Deno.mkdirSync(path.dirname(abs), { recursive: true });
      if (typeof content === "string") Deno.writeTextFileSync(abs, content);
      else Deno.writeFileSync(abs, content);
      return abs;
    },
    remove(rel) {
      Deno.removeSync(path.join(root, rel));
    },
    [Symbol.dispose]() {
      try {
        Deno.chmodSync(root, 0o755);
        Deno.removeSync(root, { recursive: true });
      } catch { /* already gone */ }
    },
  };
  for (const [rel, content] of Object.entries(files)) kiln.write(rel, content);
  return kiln;
}

/** Copy the demo kiln to a temporary folder (tests must never write into the repository). */
export function tempDemoKiln(): TempKiln {
  const kiln = tempKiln();
  copyTree(DEMO_KILN, kiln.root);
  return kiln;
}

function copyTree(from: string, to: string): void {
  for (const e of Deno.readDirSync(from)) {
    if (e.name === ".crucible") continue;
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory) {
      Deno.mkdirSync(dst, { recursive: true });
      copyTree(src, dst);
    } else if (e.isFile) {
      Deno.copyFileSync(src, dst);
    }
  }
}

/** What a `cru` run printed and returned. */
export interface CruResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Whether a path exists (file, folder or link). */
export function exists(file: string): boolean {
  try {
    Deno.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Deno permissions of the `cru` task in deno.json, without its `--allow-run=deno` (only the
 * process-isolation tests, which pass the task's exact flags, start a child `deno`).
 */
export const CRU_TASK_FLAGS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-net",
];

/**
 * The environment of a `cru` child whose every path root (HOME, XDG folders,
 * CRUCIBLE_CONFIG_DIR) is inside `home`, with NO_COLOR, PATH, and this process's module cache.
 */
export function homeEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_STATE_HOME: path.join(home, ".local", "state"),
    CRUCIBLE_CONFIG_DIR: path.join(home, ".config", "crucible"),
    NO_COLOR: "1",
    PATH: Deno.env.get("PATH") ?? "",
    // The child keeps this process's module cache so it does not download packages again.
    DENO_DIR: denoDir(),
  };
}

/**
 * Run the real CLI as a subprocess. HOME, XDG folders and CRUCIBLE_CONFIG_DIR point into a fresh
 * temporary folder so a test never touches the real home directory; NO_COLOR is set.
 */
export async function runCru(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
): Promise<CruResult> {
  const home = Deno.makeTempDirSync({ prefix: "cru-home-" });
  try {
    const env: Record<string, string> = { ...homeEnv(home), ...options.env };
    const cmd = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys",
        path.join(REPO, "cli.ts"),
        ...args,
      ],
      cwd: options.cwd ?? REPO,
      env,
      clearEnv: true,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    });
    const child = cmd.spawn();
    if (options.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(options.stdin));
      await w.close();
    }
    const res = await child.output();
    const dec = new TextDecoder();
    return { code: res.code, stdout: dec.decode(res.stdout), stderr: dec.decode(res.stderr) };
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
}

/** Run `cru ... --json` and parse stdout, failing with both streams when it is not JSON. */
export async function runCruJson<T = unknown>(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; json: T; stderr: string }> {
  const r = await runCru([...args, "--json"], options);
  try {
    return { code: r.code, json: JSON.parse(r.stdout) as T, stderr: r.stderr };
  } catch {
    throw new Error(
      `cru ${args.join(" ")} --json printed no JSON (exit ${r.code})\nstdout: ${r.stdout}\n` +
        `stderr: ${r.stderr}`,
    );
  }
}

/**
 * This process's Deno module cache, for children given another HOME: without it they would
 * fetch every package again into an empty cache.
 */
export function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") ??
    path.join(Deno.env.get("HOME") ?? "/tmp", ".cache");
  return path.join(cache, "deno");
}

/** One user across several CLI runs: see {@link sameUser}. */
export interface SameUser extends Disposable {
  /** The environment every run gets (CRUCIBLE_CONFIG_DIR in a folder kept across runs). */
  env: Record<string, string>;
  /** {@link runCru} as this user. */
  cru(args: string[], options?: { cwd?: string; stdin?: string }): Promise<CruResult>;
  /** {@link runCruJson} as this user. */
  cruJson<T = unknown>(args: string[]): Promise<{ code: number; json: T; stderr: string }>;
}

/**
 * A user config folder kept across several {@link runCru} calls, which otherwise each get a fresh
 * one. The journal key lives there, so a write and its `cru undo` must be made by the same user.
 */
export function sameUser(): SameUser {
  const dir = Deno.makeTempDirSync({ prefix: "cru-user-" });
  const env = { CRUCIBLE_CONFIG_DIR: dir };
  return {
    env,
    cru: (args, options = {}) => runCru(args, { ...options, env }),
    cruJson: (args) => runCruJson(args, { env }),
    [Symbol.dispose]() {
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
