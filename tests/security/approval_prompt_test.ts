/**
 * The approval prompt in a real terminal: tests/fixtures/approval_prompt.ts runs inside a detached
 * tmux session (its own server socket, fixed 120x30 window), keys are sent the way a user types
 * them, and the outcome is read from what the script prints and from the config file on disk.
 *
 * Every wait polls the pane with a generous bound, so a loaded machine makes the tests slower,
 * not flaky.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO } from "../helpers.ts";

const FIXTURE = path.join(REPO, "tests", "fixtures", "approval_prompt.ts");
const HASH_1 = "1".repeat(64);
const HASH_2 = "2".repeat(64);
/** Seconds to wait for anything to show up: deno starting on a busy 2-core machine is slow. */
const WAIT_MS = 30_000;
const PROMPT = "Allow dice-roller to use";

const hasTmux = (() => {
  try {
    return new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

interface Outcome {
  capability: string;
  approved: boolean;
  decision: string;
  message: string;
}

/** One run of the fixture in its own tmux server; `await using` kills the server. */
class Terminal implements AsyncDisposable {
  static #count = 0;
  readonly #socket: string;
  readonly #session = `approval-${Deno.pid}-${++Terminal.#count}`;

  private constructor(readonly dir: string) {
    this.#socket = path.join(dir, "tmux.sock");
  }

  /** Start the fixture with these arguments; `configDir` becomes CRUCIBLE_CONFIG_DIR. */
  static async start(
    configDir: string,
    args: string[],
    options: { color?: boolean } = {},
  ): Promise<Terminal> {
    const dir = Deno.makeTempDirSync({ prefix: "cru-tmux-" });
    const t = new Terminal(dir);
    const conf = path.join(dir, "tmux.conf");
    // remain-on-exit keeps the pane (and its exit status) readable after the script ends.
    Deno.writeTextFileSync(conf, "set -g remain-on-exit on\nset -g history-limit 10000\n");
    const home = path.join(dir, "home");
    Deno.mkdirSync(home);
    const env: Record<string, string> = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      XDG_CACHE_HOME: path.join(home, ".cache"),
      CRUCIBLE_CONFIG_DIR: configDir,
      ...(options.color ? {} : { NO_COLOR: "1" }),
      TERM: "xterm-256color",
      PATH: Deno.env.get("PATH") ?? "",
      DENO_DIR: denoDir(),
    };
    await t.#tmux(
      ["-f", conf, "new-session", "-d", "-s", t.#session, "-x", "120", "-y", "30", "-c", REPO]
        .concat(Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]))
        .concat([
          "--",
          Deno.execPath(),
          "run",
          "-A",
          "--quiet",
          "--config",
          path.join(REPO, "deno.json"),
          FIXTURE,
          ...args,
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

  /** The whole pane, history included, with wrapped lines joined (and colours, with `escapes`). */
  pane(escapes = false): Promise<string> {
    return this.#tmux(
      ["capture-pane", "-p", "-J", "-S", "-", ...(escapes ? ["-e"] : []), "-t", this.#session],
    );
  }

  /** Whether the script has ended, and how (tmux prints an empty status for exit code 0). */
  async #dead(): Promise<{ dead: boolean; status: string }> {
    const [dead, status, signal] = (await this.#tmux([
      "display-message",
      "-p",
      "-t",
      this.#session,
      "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}",
    ])).trim().split("|");
    return { dead: dead === "1", status: signal ? `signal ${signal}` : status || "0" };
  }

  /** Poll until the pane satisfies `done`; fail with the pane if the script ends first or time runs out. */
  async waitFor(what: string, done: (pane: string) => boolean): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    while (true) {
      const pane = await this.pane();
      if (done(pane)) return pane;
      const { dead } = await this.#dead();
      if (dead || Date.now() > deadline) {
        // One last look: the script may have printed it just before ending.
        const last = await this.pane();
        if (done(last)) return last;
        throw new Error(
          `${dead ? "the script ended" : `no ${what} after ${WAIT_MS / 1000} s`} ` +
            `while waiting for ${what}; pane:\n${last}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Wait until the prompt is on screen and ready for keys. */
  waitForPrompt(capability = "KilnWrite"): Promise<string> {
    // The help line is drawn last, after the choices, so the prompt is complete when it shows.
    return this.waitFor(
      `the prompt for ${capability}`,
      (p) => p.includes(`${PROMPT} ${capability}?`) && /❯ Approve once[\s\S]*navigate/.test(p),
    );
  }

  /** Type keys, e.g. "Down", "Enter", "C-c". */
  async keys(...keys: string[]): Promise<void> {
    await this.#tmux(["send-keys", "-t", this.#session, ...keys]);
  }

  /** Wait for the script to finish; return what it printed and check it exited with 0. */
  async outcomes(): Promise<{ outcomes: Outcome[]; pane: string }> {
    const pane = await this.waitFor("the script to finish", (p) => /^DONE\s*$/m.test(p));
    let exit = await this.#dead();
    const deadline = Date.now() + WAIT_MS;
    while (!exit.dead && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      exit = await this.#dead();
    }
    strictEqual(exit.status, "0", `the script did not exit with 0; pane:\n${pane}`);
    const outcomes = [...pane.matchAll(/^OUTCOME (.*)$/gm)].map((m) => JSON.parse(m[1]));
    return { outcomes, pane };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.#tmux(["kill-server"]);
    } catch { /* already gone */ }
    Deno.removeSync(this.dir, { recursive: true });
  }
}

function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") ??
    path.join(Deno.env.get("HOME") ?? "/tmp", ".cache");
  return path.join(cache, "deno");
}

/** A fresh config folder that does not exist yet (the "Always" answer must create it). */
function tempConfigDir(): { dir: string; file: string } & Disposable {
  const root = Deno.makeTempDirSync({ prefix: "cru-approval-config-" });
  const dir = path.join(root, "crucible");
  return {
    dir,
    file: path.join(dir, "config.yaml"),
    [Symbol.dispose]: () => Deno.removeSync(root, { recursive: true }),
  };
}

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

function remembered(file: string): { plugin: string; capability: string; hash: string }[] {
  return (parse(Deno.readTextFileSync(file)) as {
    approvals: { remembered: { plugin: string; capability: string; hash: string }[] };
  }).approvals.remembered;
}

function test(name: string, fn: () => Promise<void>): void {
  // A missing tmux fails loudly rather than skipping: .ci/run installs it.
  Deno.test(`approval prompt (tmux): ${name}`, () => {
    if (!hasTmux) throw new Error("these tests need tmux: apt-get install tmux");
    return fn();
  });
}

test("Approve once approves, and the same request later in the run asks no more", async () => {
  using config = tempConfigDir();
  await using term = await Terminal.start(config.dir, [
    "--hash",
    HASH_1,
    "--request",
    "KilnWrite",
    "--request",
    "KilnWrite",
  ]);
  await term.waitForPrompt();
  await term.keys("Enter");
  const { outcomes, pane } = await term.outcomes();
  deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[true, "once"], [
    true,
    "session",
  ]]);
  strictEqual(pane.match(/asks for approval/g)?.length, 1, `one prompt only; pane:\n${pane}`);
  ok(!exists(config.file), "Approve once must not write the config");
});

test("Always persists the hash; the next run is remembered; an edited plugin asks again", async () => {
  using config = tempConfigDir();
  const args = (hash: string) => ["--hash", hash, "--request", "KilnWrite"];
  {
    await using term = await Terminal.start(config.dir, args(HASH_1));
    await term.waitForPrompt();
    await term.keys("Down", "Enter");
    const { outcomes } = await term.outcomes();
    deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[true, "always"]]);
    match(outcomes[0].message, new RegExp(`remembered .* in ${RegExp.escape(config.file)}`));
  }
  const first = remembered(config.file);
  deepStrictEqual(
    first.map(({ plugin, capability, hash }) => ({ plugin, capability, hash })),
    [{ plugin: "dice-roller", capability: "KilnWrite", hash: HASH_1 }],
  );
  ok(!Number.isNaN(Date.parse((first[0] as { at?: string }).at ?? "")), "entry has an `at` time");
  {
    // Same content hash: approved from the config, no prompt (no keys are ever sent).
    await using term = await Terminal.start(config.dir, args(HASH_1));
    const { outcomes, pane } = await term.outcomes();
    deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[true, "remembered"]]);
    ok(!pane.includes("asks for approval"), `no prompt expected; pane:\n${pane}`);
  }
  {
    // The plugin was edited: the old answer does not count, and the new one replaces it.
    await using term = await Terminal.start(config.dir, args(HASH_2));
    await term.waitForPrompt();
    await term.keys("Down", "Enter");
    const { outcomes } = await term.outcomes();
    deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[true, "always"]]);
  }
  deepStrictEqual(
    remembered(config.file).map(({ plugin, capability, hash }) => ({ plugin, capability, hash })),
    [{ plugin: "dice-roller", capability: "KilnWrite", hash: HASH_2 }],
  );
});

test("Deny refuses and writes nothing; escape codes in the description stay inert", async () => {
  using config = tempConfigDir();
  await using term = await Terminal.start(config.dir, [
    "--description",
    "Rolls dice\x1b[2J\x1b[Hpretend this is KilnRead",
    "--request",
    "KilnWrite",
  ]);
  const screen = await term.waitForPrompt();
  // Had the ESC[2J reached the terminal, the header above the description would be wiped.
  match(screen, /Plugin dice-roller 1\.2\.0 .*asks for approval/);
  ok(
    screen.includes("Rolls dice\ufffd[2J\ufffd[Hpretend"),
    `escapes shown inert; pane:\n${screen}`,
  );
  match(screen, /capability\s+KilnWrite \(high risk\)/);
  ok(!(await term.pane(true)).includes("\x1b["), "no colour with NO_COLOR");
  await term.keys("Down", "Down", "Enter");
  const { outcomes } = await term.outcomes();
  deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[false, "deny"]]);
  match(outcomes[0].message, /dice-roller was denied KilnWrite/);
  ok(!exists(config.file), "Deny must not write the config");
});

test("no answer within the timeout is a deny", async () => {
  using config = tempConfigDir();
  await using term = await Terminal.start(config.dir, [
    "--timeout",
    "1500",
    "--request",
    "KilnWrite",
  ]);
  await term.waitForPrompt();
  const { outcomes, pane } = await term.outcomes();
  deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[false, "timeout"]]);
  match(outcomes[0].message, /timed out after 1\.5 s/);
  match(outcomes[0].message, /--approve dice-roller:KilnWrite/);
  match(pane, /denied: no answer within 1\.5 s/);
  ok(!exists(config.file));
});

test("Ctrl-C at the prompt denies instead of crashing", async () => {
  using config = tempConfigDir();
  await using term = await Terminal.start(config.dir, ["--request", "KilnWrite"]);
  await term.waitForPrompt();
  await term.keys("C-c");
  const { outcomes } = await term.outcomes(); // also checks exit status 0
  deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[false, "deny"]]);
  match(outcomes[0].message, /cancelled/);
});

test("concurrent requests draw one prompt at a time", async () => {
  using config = tempConfigDir();
  const https = "NetworkHttps(api.crossref.org)";
  await using term = await Terminal.start(config.dir, [
    "--concurrent",
    "--request",
    "KilnWrite",
    "--request",
    https,
  ]);
  await term.waitForPrompt("KilnWrite");
  // A second prompt drawn in parallel would appear within the same moment; give it a chance to.
  await new Promise((r) => setTimeout(r, 750));
  const before = await term.pane();
  strictEqual(
    before.match(/asks for approval/g)?.length,
    1,
    `one prompt at a time; pane:\n${before}`,
  );
  ok(!before.includes(https), `second request must wait; pane:\n${before}`);
  await term.keys("Enter");
  await term.waitForPrompt(https);
  await term.keys("Down", "Down", "Enter");
  const { outcomes } = await term.outcomes();
  deepStrictEqual(
    outcomes.map((o) => [o.capability, o.approved, o.decision]),
    [["KilnWrite", true, "once"], [https, false, "deny"]],
  );
});

test("the risk is coloured on a terminal when NO_COLOR is not set", async () => {
  using config = tempConfigDir();
  await using term = await Terminal.start(config.dir, ["--request", "KilnWrite"], { color: true });
  await term.waitForPrompt();
  const screen = await term.pane(true);
  ok(screen.includes("\x1b[33m(high risk)"), `risk in yellow; pane:\n${screen}`);
  await term.keys("Down", "Down", "Enter");
  const { outcomes } = await term.outcomes();
  strictEqual(outcomes[0].decision, "deny");
});
