/**
 * A hostile world for security regression tests: a temporary kiln (which an attacker may have
 * written, `.crucible/` included), a decoy folder beside it, and a fake HOME with a `.bashrc` and a
 * user config folder. `checksums()` fingerprints all three so a test can assert that an attack
 * changed nothing on disk; `cru()` runs the real CLI with that HOME, so what an attack reaches is
 * the fake one, never the real home directory.
 *
 * @module
 */
import { deepStrictEqual } from "node:assert/strict";
import * as path from "node:path";
import { type CruResult, denoDir, REPO, type TempKiln, tempKiln } from "../helpers.ts";

/** A kiln, a decoy folder and a fake HOME, all temporary; `Symbol.dispose` removes them. */
export interface HostileWorld extends Disposable {
  /** The kiln (whatever is in it may be hostile). */
  kiln: TempKiln;
  /** A folder outside the kiln holding `secret.txt`, which no attack may read, change or delete. */
  decoy: string;
  /** The fake home folder, holding `.bashrc`. */
  home: string;
  /** The user config folder inside the fake HOME (`$HOME/.config/crucible`). */
  configDir: string;
  /** The environment a `cru` child gets (HOME, XDG_*, CRUCIBLE_CONFIG_DIR, DENO_DIR, NO_COLOR). */
  env: Record<string, string>;
  /** Write the user config (`config.yaml` in {@link configDir}). */
  userConfig(yaml: string): void;
  /** Fingerprints of every file under the kiln, the decoy and HOME. */
  checksums(options?: ChecksumOptions): Promise<Map<string, string>>;
  /** Run the real CLI with this world's environment (and `--kiln` pointing at the kiln). */
  cru(args: string[], options?: CruOptions): Promise<CruResult>;
}

/** What {@link HostileWorld.checksums} leaves out. */
export interface ChecksumOptions {
  /**
   * Paths (relative to the kiln, decoy or HOME, prefixed `kiln:`, `decoy:` or `home:`) whose
   * subtrees are skipped, e.g. `kiln:.crucible/audit` where a run is expected to log.
   */
  skip?: string[];
}

/** Options of {@link HostileWorld.cru}. */
export interface CruOptions {
  /** Extra environment. */
  env?: Record<string, string>;
  /** Standard input. */
  stdin?: string;
  /** Extra Deno flags before `cli.ts` (the default grants what `deno task cru` grants). */
  denoFlags?: string[];
  /** Leave out `--kiln <root>` (the command names its own kiln or none). */
  noKiln?: boolean;
  /**
   * Kill the child after this many ms and throw: turns a frozen host into a failed test
   * instead of a hung one.
   */
  killAfterMs?: number;
}

/** Make a hostile world; `kilnFiles` are written into the kiln first. */
export function hostileWorld(kilnFiles: Record<string, string | Uint8Array> = {}): HostileWorld {
  const kiln = tempKiln(kilnFiles);
  const decoy = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "cru-decoy-" }));
  Deno.writeTextFileSync(path.join(decoy, "secret.txt"), "decoy secret: do not touch\n");
  const home = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "cru-fakehome-" }));
  Deno.writeTextFileSync(path.join(home, ".bashrc"), "# the user's own bashrc\nexport A=1\n");
  const configDir = path.join(home, ".config", "crucible");
  Deno.mkdirSync(configDir, { recursive: true });
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_STATE_HOME: path.join(home, ".local", "state"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    CRUCIBLE_CONFIG_DIR: configDir,
    NO_COLOR: "1",
    PATH: Deno.env.get("PATH") ?? "",
    DENO_DIR: denoDir(),
  };
  const roots: Record<string, string> = { kiln: kiln.root, decoy, home };
  return {
    kiln,
    decoy,
    home,
    configDir,
    env,
    userConfig(yaml) {
      Deno.writeTextFileSync(path.join(configDir, "config.yaml"), yaml);
    },
    checksums(options = {}) {
      const skip = (options.skip ?? []).map((s) => {
        const colon = s.indexOf(":");
        return path.join(roots[s.slice(0, colon)], s.slice(colon + 1));
      });
      return fingerprint(roots, skip);
    },
    async cru(args, options = {}) {
      const cmd = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          ...(options.denoFlags ?? [
            "--allow-read",
            "--allow-write",
            "--allow-env",
            "--allow-sys",
            "--allow-net",
          ]),
          path.join(REPO, "cli.ts"),
          ...(options.noKiln ? [] : ["--kiln", kiln.root]),
          ...args,
        ],
        cwd: kiln.root,
        env: { ...env, ...options.env },
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
      let killed = false;
      const killer = options.killAfterMs === undefined ? undefined : setTimeout(() => {
        killed = true;
        child.kill("SIGKILL");
      }, options.killAfterMs);
      const res = await child.output();
      clearTimeout(killer);
      if (killed) {
        throw new Error(`cru ${args.join(" ")} was still running after ${options.killAfterMs} ms`);
      }
      const dec = new TextDecoder();
      return { code: res.code, stdout: dec.decode(res.stdout), stderr: dec.decode(res.stderr) };
    },
    [Symbol.dispose]() {
      kiln[Symbol.dispose]();
      for (const dir of [decoy, home]) {
        try {
          Deno.removeSync(dir, { recursive: true });
        } catch { /* already gone */ }
      }
    },
  };
}

/** SHA-256 of every file (and the target of every symlink) under the roots, keyed `root:rel`. */
async function fingerprint(
  roots: Record<string, string>,
  skip: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [name, root] of Object.entries(roots)) {
    const walk = async (dir: string): Promise<void> => {
      for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
        const abs = path.join(dir, e.name);
        if (skip.some((s) => abs === s || abs.startsWith(s + path.sep))) continue;
        const key = `${name}:${path.relative(root, abs)}`;
        if (e.isSymlink) out.set(key, "-> " + Deno.readLinkSync(abs));
        else if (e.isDirectory) {
          out.set(key + "/", "dir");
          await walk(abs);
        } else if (e.isFile) {
          const digest = await crypto.subtle.digest("SHA-256", Deno.readFileSync(abs));
          out.set(
            key,
            Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""),
          );
        }
      }
    };
    await walk(root);
  }
  return out;
}

/**
 * Assert two fingerprints are equal, naming every file that appeared, vanished or changed.
 *
 * @example
 * ```ts
 * const before = await world.checksums();
 * await world.cru(["plugins", "run", "evil"]);
 * assertUnchanged(before, await world.checksums());
 * ```
 */
export function assertUnchanged(before: Map<string, string>, after: Map<string, string>): void {
  const changes: string[] = [];
  for (const [k, v] of before) {
    if (!after.has(k)) changes.push(`removed ${k}`);
    else if (after.get(k) !== v) changes.push(`changed ${k}`);
  }
  for (const k of after.keys()) if (!before.has(k)) changes.push(`added ${k}`);
  deepStrictEqual(changes, [], `the attack changed files on disk:\n${changes.join("\n")}`);
}
