/**
 * `cru plugins new`: every template, in both languages, generates a valid plugin whose own tests,
 * examples and cases pass `cru plugins test`; the wizard, driven through a real terminal (tmux),
 * asks for what the flags left out.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO, runCru, runCruJson, tempKiln } from "../helpers.ts";

const KINDS = ["tool", "workflow", "fsm", "graph"];
const LANGS = ["rune", "lua"];

type Report = {
  ok: boolean;
  failed: number;
  plugins: {
    plugin: { name: string };
    failed: number;
    tests: { kind: string; ok: boolean; name: string; failure: string | null }[];
  }[];
};

Deno.test("plugins new: every template passes its own tests, examples and cases", async () => {
  using dir = tempKiln();
  const files: string[] = [];
  for (const kind of KINDS) {
    for (const lang of LANGS) {
      const r = await runCruJson<{ file: string; cases_file: string; template: string }>(
        [
          "plugins",
          "new",
          `${kind}-${lang}`,
          "--lang",
          lang,
          "--template",
          kind,
          "--dir",
          dir.root,
        ],
      );
      strictEqual(r.code, 0, r.stderr);
      strictEqual(r.json.file, path.join(dir.root, `${kind}-${lang}.${lang}`));
      strictEqual(r.json.cases_file, path.join(dir.root, `${kind}-${lang}.test.yaml`));
      files.push(r.json.file);
    }
  }
  const valid = await runCruJson<{ valid: boolean }>(["plugins", "validate", files[0]]);
  strictEqual(valid.json.valid, true);
  const { code, json, stderr } = await runCruJson<Report>(["plugins", "test", ...files]);
  const failures = json.plugins.flatMap((p) =>
    p.tests.filter((t) => !t.ok).map((t) => `${p.plugin.name}: ${t.name}: ${t.failure}`)
  );
  deepStrictEqual(failures, [], stderr);
  strictEqual(code, 0);
  for (const p of json.plugins) {
    deepStrictEqual(
      new Set(p.tests.map((t) => t.kind)),
      new Set(["test", "example", "case"]),
      `${p.plugin.name} has tests of every kind`,
    );
  }
});

Deno.test("plugins new: bad names and options are usage errors; files are not overwritten", async () => {
  using dir = tempKiln();
  const bad = await runCru(["plugins", "new", "My Tool", "--lang", "lua"]);
  strictEqual(bad.code, 2);
  match(bad.stderr, /"My Tool" is not lowercase letters, digits and hyphens — e\.g\. my-tool/);
  const lang = await runCru(["plugins", "new", "x", "--lang", "rnue"]);
  strictEqual(lang.code, 2);
  match(lang.stderr, /--lang must be one of rune, lua, got "rnue"; did you mean rune\?/);
  const kind = await runCru(["plugins", "new", "x", "--lang", "lua", "--template", "fms"]);
  strictEqual(kind.code, 2);
  match(kind.stderr, /did you mean fsm\?/);
  // Without a terminal there is no wizard: the missing option is named.
  const missing = await runCru(["plugins", "new", "x"]);
  strictEqual(missing.code, 2);
  match(missing.stderr, /needs --lang rune\|lua \(or a terminal/);

  const args = ["plugins", "new", "once", "--lang", "rune", "--dir", dir.root];
  strictEqual((await runCru(args)).code, 0);
  const again = await runCru(args);
  strictEqual(again.code, 1);
  match(again.stderr, /once\.rune already exists; pass --force/);
  strictEqual((await runCru([...args, "--force"])).code, 0);
});

// ---------------------------------------------------------------------------------------------
// The wizard in a real terminal.

const WAIT_MS = 30_000;
/** Key names sent as keys; anything else is typed as text. */
const KEYS = new Set(["Enter", "Down", "Up", "Tab", "C-c"]);

const hasTmux = (() => {
  try {
    return new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") ??
    path.join(Deno.env.get("HOME") ?? "/tmp", ".cache");
  return path.join(cache, "deno");
}

/** `cru` in a detached tmux session with its own server socket; `await using` ends it. */
class Terminal implements AsyncDisposable {
  readonly #socket: string;
  readonly #session = `wizard-${Deno.pid}`;

  private constructor(readonly dir: string) {
    this.#socket = path.join(dir, "tmux.sock");
  }

  static async start(args: string[]): Promise<Terminal> {
    const dir = Deno.makeTempDirSync({ prefix: "cru-tmux-" });
    const t = new Terminal(dir);
    const conf = path.join(dir, "tmux.conf");
    Deno.writeTextFileSync(conf, "set -g remain-on-exit on\nset -g history-limit 10000\n");
    const home = path.join(dir, "home");
    Deno.mkdirSync(home);
    const env: Record<string, string> = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      XDG_CACHE_HOME: path.join(home, ".cache"),
      CRUCIBLE_CONFIG_DIR: path.join(home, ".config", "crucible"),
      NO_COLOR: "1",
      TERM: "xterm-256color",
      PATH: Deno.env.get("PATH") ?? "",
      DENO_DIR: denoDir(),
    };
    await t.#tmux(
      ["-f", conf, "new-session", "-d", "-s", t.#session, "-x", "120", "-y", "40", "-c", REPO]
        .concat(Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]))
        .concat([
          "--",
          Deno.execPath(),
          "run",
          "--quiet",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "--allow-sys",
          path.join(REPO, "cli.ts"),
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

  pane(): Promise<string> {
    return this.#tmux(["capture-pane", "-p", "-J", "-S", "-", "-t", this.#session]);
  }

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

  /** Wait until the pane shows `text`. */
  async waitFor(text: string | RegExp): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    const seen = (p: string) => (typeof text === "string" ? p.includes(text) : text.test(p));
    while (true) {
      const pane = await this.pane();
      if (seen(pane)) return pane;
      if ((await this.dead()).dead || Date.now() > deadline) {
        const last = await this.pane();
        if (seen(last)) return last;
        throw new Error(`no ${text} on the terminal; pane:\n${last}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Answer the prompt showing `question` with these keys. */
  async answer(question: string | RegExp, ...keys: string[]): Promise<void> {
    await this.waitFor(question);
    // Give the prompt a moment to finish drawing and start listening.
    await new Promise((r) => setTimeout(r, 150));
    for (const k of keys) {
      await this.#tmux(["send-keys", "-t", this.#session, ...(KEYS.has(k) ? [k] : ["-l", k])]);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.#tmux(["kill-server"]);
    } catch { /* already gone */ }
    Deno.removeSync(this.dir, { recursive: true });
  }
}

Deno.test("plugins new: the wizard asks for name, language, template, description, capabilities and parameters", async () => {
  if (!hasTmux) throw new Error("this test needs tmux: apt-get install tmux");
  using dir = tempKiln();
  {
    await using term = await Terminal.start(["plugins", "new", "--dir", dir.root]);
    await term.answer("Plugin name", "my-tool", "Enter");
    await term.answer(/Language[\s\S]*Rune[\s\S]*Lua/, "Down", "Enter");
    await term.answer(/Template[\s\S]*workflow/, "Enter");
    await term.answer("Description", "Counts things in notes", "Enter");
    await term.answer(/Capabilities besides KilnRead[\s\S]*KilnWrite/, " ", "Enter");
    await term.answer("Add a parameter?", "y", "Enter");
    await term.answer("Parameter name", "limit", "Enter");
    await term.answer("Type of limit", "Down", "Down", "Enter");
    await term.answer("What limit means", "How many to count", "Enter");
    await term.answer("Is limit required?", "y", "Enter");
    await term.answer(/limit required\?[\s\S]*Add a parameter\?/, "Enter");
    const pane = await term.waitFor(/created .*my-tool\.test\.yaml/);
    match(pane, /created .*my-tool\.lua/);
    let exit = await term.dead();
    for (let i = 0; i < 100 && !exit.dead; i++) {
      await new Promise((r) => setTimeout(r, 100));
      exit = await term.dead();
    }
    strictEqual(exit.status, "0", pane);
  }
  const file = path.join(dir.root, "my-tool.lua");
  const text = Deno.readTextFileSync(file);
  const manifest = parse(text.split("---\n")[1]) as Record<string, unknown>;
  strictEqual(manifest.name, "my-tool");
  strictEqual(manifest.description, "Counts things in notes");
  strictEqual(manifest.language, "lua");
  deepStrictEqual(manifest.capabilities, ["KilnRead", "KilnWrite"]);
  deepStrictEqual((manifest.parameters as Record<string, unknown>).limit, {
    type: "integer",
    description: "How many to count",
    required: true,
  });
  // The required parameter the code does not use gets a value in the examples and cases.
  const r = await runCru(["plugins", "test", file]);
  strictEqual(r.code, 0, r.stdout + r.stderr);
  match(r.stdout, /test result: ok\./);
  ok(!r.stdout.includes("FAIL"));
});
