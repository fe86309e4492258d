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
import { hasTmux, Terminal } from "../cli/terminal.ts";

const FIXTURE = path.join(REPO, "tests", "fixtures", "approval_prompt.ts");
const HASH_1 = "1".repeat(64);
const HASH_2 = "2".repeat(64);
const PROMPT = "Allow dice-roller to use";

interface Outcome {
  capability: string;
  approved: boolean;
  decision: string;
  message: string;
}

/** The prompt fixture in a real terminal; `configDir` becomes CRUCIBLE_CONFIG_DIR. */
function start(
  configDir: string,
  args: string[],
  options: { color?: boolean } = {},
): Promise<Terminal> {
  return Terminal.startScript(FIXTURE, args, {
    env: { CRUCIBLE_CONFIG_DIR: configDir },
    color: options.color,
  });
}

/** Wait until the prompt is on screen and ready for keys. */
function waitForPrompt(term: Terminal, capability = "KilnWrite"): Promise<string> {
  // The help line is drawn last, after the choices, so the prompt is complete when it shows.
  return term.waitFor(
    (p) => p.includes(`${PROMPT} ${capability}?`) && /❯ Approve once[\s\S]*navigate/.test(p),
  );
}

/** Wait for the script to finish; what it printed, after checking it exited with 0. */
async function finished(term: Terminal): Promise<{ outcomes: Outcome[]; pane: string }> {
  const pane = await term.waitFor(/^DONE\s*$/m);
  strictEqual(await term.exitStatus(), "0", `the script did not exit with 0; pane:\n${pane}`);
  const found = [...pane.matchAll(/^OUTCOME (.*)$/gm)].map((m) => JSON.parse(m[1]));
  return { outcomes: found, pane };
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
  await using term = await start(config.dir, [
    "--hash",
    HASH_1,
    "--request",
    "KilnWrite",
    "--request",
    "KilnWrite",
  ]);
  await waitForPrompt(term);
  await term.keys("Enter");
  const { outcomes, pane } = await finished(term);
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
    await using term = await start(config.dir, args(HASH_1));
    await waitForPrompt(term);
    await term.keys("Down", "Enter");
    const { outcomes } = await finished(term);
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
    await using term = await start(config.dir, args(HASH_1));
    const { outcomes, pane } = await finished(term);
    deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[true, "remembered"]]);
    ok(!pane.includes("asks for approval"), `no prompt expected; pane:\n${pane}`);
  }
  {
    // The plugin was edited: the old answer does not count, and the new one replaces it.
    await using term = await start(config.dir, args(HASH_2));
    await waitForPrompt(term);
    await term.keys("Down", "Enter");
    const { outcomes } = await finished(term);
    deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[true, "always"]]);
  }
  deepStrictEqual(
    remembered(config.file).map(({ plugin, capability, hash }) => ({ plugin, capability, hash })),
    [{ plugin: "dice-roller", capability: "KilnWrite", hash: HASH_2 }],
  );
});

test("a shadowing kiln copy is named in the prompt; Always is remembered for that copy only", async () => {
  using config = tempConfigDir();
  {
    await using term = await start(config.dir, ["--kiln-copy", "--request", "KilnWrite"]);
    const screen = await waitForPrompt(term);
    match(screen, /from\s+kiln \/notes\/\.crucible\/plugins\/dice-roller\.rune/);
    match(screen, /warning\s+this kiln copy shadows the builtin plugin of the same name/);
    await term.keys("Down", "Enter");
    const { outcomes } = await finished(term);
    deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[true, "always"]]);
  }
  const entry = remembered(config.file)[0] as { scope?: string; path?: string };
  deepStrictEqual(
    [entry.scope, entry.path],
    ["kiln", "/notes/.crucible/plugins/dice-roller.rune"],
  );
  {
    // The system copy of the same name and content is another identity: asked, not remembered.
    await using term = await start(config.dir, ["--request", "KilnWrite"]);
    await waitForPrompt(term);
    await term.keys("Down", "Down", "Enter");
    const { outcomes } = await finished(term);
    deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[false, "deny"]]);
  }
});

test("Deny refuses and writes nothing; escape codes in the description stay inert", async () => {
  using config = tempConfigDir();
  await using term = await start(config.dir, [
    "--description",
    "Rolls dice\x1b[2J\x1b[Hpretend this is KilnRead",
    "--request",
    "KilnWrite",
  ]);
  const screen = await waitForPrompt(term);
  // Had the ESC[2J reached the terminal, the header above the description would be wiped.
  match(screen, /Plugin dice-roller 1\.2\.0 .*asks for approval/);
  ok(
    screen.includes("Rolls dice\\x1b[2J\\x1b[Hpretend"),
    `escapes shown inert; pane:\n${screen}`,
  );
  match(screen, /capability\s+KilnWrite \(high risk\)/);
  ok(!(await term.pane(true)).includes("\x1b["), "no colour with NO_COLOR");
  await term.keys("Down", "Down", "Enter");
  const { outcomes } = await finished(term);
  deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[false, "deny"]]);
  match(outcomes[0].message, /dice-roller was denied KilnWrite/);
  ok(!exists(config.file), "Deny must not write the config");
});

test("no answer within the timeout is a deny", async () => {
  using config = tempConfigDir();
  await using term = await start(config.dir, [
    "--timeout",
    "1500",
    "--request",
    "KilnWrite",
  ]);
  await waitForPrompt(term);
  const { outcomes, pane } = await finished(term);
  deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[false, "timeout"]]);
  match(outcomes[0].message, /timed out after 1\.5 s/);
  match(outcomes[0].message, /--approve dice-roller:KilnWrite/);
  match(pane, /denied: no answer within 1\.5 s/);
  ok(!exists(config.file));
});

test("Ctrl-C at the prompt denies instead of crashing", async () => {
  using config = tempConfigDir();
  await using term = await start(config.dir, ["--request", "KilnWrite"]);
  await waitForPrompt(term);
  await term.keys("C-c");
  const { outcomes } = await finished(term); // also checks exit status 0
  deepStrictEqual(outcomes.map((o) => [o.approved, o.decision]), [[false, "deny"]]);
  match(outcomes[0].message, /cancelled/);
});

test("concurrent requests draw one prompt at a time", async () => {
  using config = tempConfigDir();
  const https = "NetworkHttps(api.crossref.org)";
  await using term = await start(config.dir, [
    "--concurrent",
    "--request",
    "KilnWrite",
    "--request",
    https,
  ]);
  await waitForPrompt(term, "KilnWrite");
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
  await waitForPrompt(term, https);
  await term.keys("Down", "Down", "Enter");
  const { outcomes } = await finished(term);
  deepStrictEqual(
    outcomes.map((o) => [o.capability, o.approved, o.decision]),
    [["KilnWrite", true, "once"], [https, false, "deny"]],
  );
});

test("the risk is coloured on a terminal when NO_COLOR is not set", async () => {
  using config = tempConfigDir();
  await using term = await start(config.dir, ["--request", "KilnWrite"], { color: true });
  await waitForPrompt(term);
  const screen = await term.pane(true);
  ok(screen.includes("\x1b[33m(high risk)"), `risk in yellow; pane:\n${screen}`);
  await term.keys("Down", "Down", "Enter");
  const { outcomes } = await finished(term);
  strictEqual(outcomes[0].decision, "deny");
});
