/**
 * cru (or a test script) in a real terminal for tests of prompts and the wizard: a detached tmux session with its
 * own server socket and a fixed window, keys sent the way a user types them, and the screen read
 * back. Every wait polls with a generous bound, so a loaded machine makes tests slower, not flaky.
 *
 * @module
 */
import * as path from "node:path";
import { denoDir, REPO } from "../helpers.ts";

const WAIT_MS = 30_000;
/** Key names sent as keys; anything else is typed as text. */
const KEYS = new Set(["Enter", "Down", "Up", "Tab", "C-c"]);

/** Whether tmux is installed. */
export const hasTmux = (() => {
  try {
    return new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** `cru` in a detached tmux session with its own server socket; `await using` ends it. */
export class Terminal implements AsyncDisposable {
  readonly #socket: string;
  static #count = 0;
  readonly #session = `cru-${Deno.pid}-${++Terminal.#count}`;

  private constructor(readonly dir: string) {
    this.#socket = path.join(dir, "tmux.sock");
  }

  /** Run `cru ARGS` (temp home, config and cache folders; NO_COLOR unless `color`). */
  static start(
    args: string[],
    options: { env?: Record<string, string>; color?: boolean } = {},
  ): Promise<Terminal> {
    return Terminal.#launch([
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      path.join(REPO, "cli.ts"),
      ...args,
    ], options);
  }

  /** Run a Deno script of the test suite (all permissions) the same way, e.g. a prompt fixture. */
  static startScript(
    script: string,
    args: string[],
    options: { env?: Record<string, string>; color?: boolean } = {},
  ): Promise<Terminal> {
    return Terminal.#launch(
      ["-A", "--config", path.join(REPO, "deno.json"), script, ...args],
      options,
    );
  }

  static async #launch(
    runArgs: string[],
    options: { env?: Record<string, string>; color?: boolean },
  ): Promise<Terminal> {
    const dir = Deno.makeTempDirSync({ prefix: "cru-tmux-" });
    const t = new Terminal(dir);
    const conf = path.join(dir, "tmux.conf");
    // remain-on-exit keeps the pane readable after the program ends.
    Deno.writeTextFileSync(conf, "set -g remain-on-exit on\nset -g history-limit 10000\n");
    const home = path.join(dir, "home");
    Deno.mkdirSync(home);
    const env: Record<string, string> = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      XDG_CACHE_HOME: path.join(home, ".cache"),
      CRUCIBLE_CONFIG_DIR: path.join(home, ".config", "crucible"),
      ...(options.color ? {} : { NO_COLOR: "1" }),
      TERM: "xterm-256color",
      PATH: Deno.env.get("PATH") ?? "",
      DENO_DIR: denoDir(),
      ...options.env,
    };
    await t.#tmux(
      ["-f", conf, "new-session", "-d", "-s", t.#session, "-x", "120", "-y", "40", "-c", REPO]
        .concat(Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]))
        .concat([
          "--",
          // tmux does not always record a fast exit's status; the shell prints it instead.
          "sh",
          "-c",
          '"$@"; echo "cru exited with $?"',
          "sh",
          Deno.execPath(),
          "run",
          "--quiet",
          ...runArgs,
        ]),
      env,
    );
    return t;
  }

  async #tmux(args: string[], env?: Record<string, string>): Promise<string> {
    const r = await new Deno.Command("tmux", {
      args: ["-S", this.#socket, ...args],
      ...(env ? { env, clearEnv: true } : {}),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    if (!r.success) throw new Error(`tmux ${args.join(" ")} failed: ${dec.decode(r.stderr)}`);
    return dec.decode(r.stdout);
  }

  /** The whole pane, history included (with colour escapes when `escapes`). */
  pane(escapes = false): Promise<string> {
    return this.#tmux(
      ["capture-pane", "-p", "-J", "-S", "-", ...(escapes ? ["-e"] : []), "-t", this.#session],
    );
  }

  /** Whether cru has ended, and its exit status. */
  async dead(): Promise<{ dead: boolean; status: string }> {
    const [dead, status] = (await this.#tmux([
      "display-message",
      "-p",
      "-t",
      this.#session,
      "#{pane_dead}|#{pane_dead_status}",
    ])).trim().split("|");
    return { dead: dead === "1", status: status || "0" };
  }

  /** Wait until the pane shows `text` (or satisfies a test of the whole pane). */
  async waitFor(text: string | RegExp | ((pane: string) => boolean)): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    const seen = (p: string) =>
      typeof text === "string" ? p.includes(text) : text instanceof RegExp ? text.test(p) : text(p);
    while (true) {
      const pane = await this.pane();
      if (seen(pane)) return pane;
      if ((await this.dead()).dead || Date.now() > deadline) {
        const last = await this.pane();
        if (seen(last)) return last;
        throw new Error(
          `no ${typeof text === "function" ? "match" : text} on the terminal; pane:\n${last}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Type keys (`Enter`, `Down`, `C-c`, …; anything else is typed as text). */
  async keys(...keys: string[]): Promise<void> {
    for (const k of keys) {
      await this.#tmux(["send-keys", "-t", this.#session, ...(KEYS.has(k) ? [k] : ["-l", k])]);
    }
  }

  /** Answer the prompt showing `question` with these keys. */
  async answer(question: string | RegExp, ...keys: string[]): Promise<void> {
    await this.waitFor(question);
    // Give the prompt a moment to finish drawing and start listening.
    await new Promise((r) => setTimeout(r, 150));
    await this.keys(...keys);
  }

  /** Wait for cru to end; its exit status. */
  async exitStatus(): Promise<string> {
    const pane = await this.waitFor(/^cru exited with \d+$/m);
    return /^cru exited with (\d+)$/m.exec(pane)![1];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.#tmux(["kill-server"]);
    } catch { /* already gone */ }
    Deno.removeSync(this.dir, { recursive: true });
  }
}
