/**
 * `cru rune run|check|test` as a user runs them: exit codes, stdout/stderr, and the `--json`
 * shapes. The commands run through tests/rune/cli_harness.ts, which registers the `rune` group
 * exactly as src/cli/main.ts does.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { denoDir } from "../helpers.ts";

const HARNESS = path.join(import.meta.dirname!, "cli_harness.ts");

async function rune(args: string[], files: Record<string, string>) {
  const dir = Deno.makeTempDirSync({ prefix: "cru-rune-cli-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      Deno.writeTextFileSync(path.join(dir, name), text);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-read",
        "--allow-env",
        "--allow-sys",
        HARNESS,
        "rune",
        ...args,
      ],
      cwd: dir,
      env: {
        NO_COLOR: "1",
        HOME: dir,
        CRUCIBLE_CONFIG_DIR: path.join(dir, ".config"),
        DENO_DIR: denoDir(),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const TESTS = `
#[test]
fn adds() { assert_eq!(1 + 1, 2); }

#[test]
fn fails() { assert_eq!(1 + 1, 3, "math is broken"); }

#[test]
fn also_adds() { assert!(2 > 1); }
`;

Deno.test("rune test --json prints the documented shape and exits 1 when a test fails", async () => {
  const r = await rune(["test", "t.rn", "--json"], { "t.rn": TESTS });
  strictEqual(r.code, 1);
  const json = JSON.parse(r.stdout);
  deepStrictEqual(Object.keys(json), ["tests", "passed", "failed"]);
  deepStrictEqual(json.tests.map((t: { name: string; ok: boolean }) => [t.name, t.ok]), [
    ["adds", true],
    ["fails", false],
    ["also_adds", true],
  ]);
  strictEqual(json.tests[0].error, null);
  match(
    json.tests[1].error,
    /math is broken\n {2}left: 2\n right: 3\n {4}at fails \(t\.rn:6:\d+\)/,
  );
  deepStrictEqual([json.passed, json.failed], [2, 1]);
});

Deno.test("rune test passes with exit 0, honours --filter, and prints a summary", async () => {
  const r = await rune(["test", "t.rn", "--filter", "adds"], { "t.rn": TESTS });
  strictEqual(r.code, 0);
  match(r.stdout, /test adds \.\.\. ok\ntest also_adds \.\.\. ok/);
  match(r.stdout, /test result: ok\. 2 passed; 0 failed/);
});

Deno.test("rune test reports a file that does not compile as a failure", async () => {
  const r = await rune(["test", "bad.rn", "--json"], { "bad.rn": "#[test]\nfn t() { let = 1; }" });
  strictEqual(r.code, 1);
  const json = JSON.parse(r.stdout);
  strictEqual(json.failed, 1);
  match(json.tests[0].error, /bad\.rn:2:14: expected a pattern/);
});

Deno.test("rune check prints diagnostics with a caret and exits 1; a clean file exits 0", async () => {
  const bad = await rune(["check", "bad.rn"], { "bad.rn": "fn main() {\n    let x = 1 +;\n}\n" });
  strictEqual(bad.code, 1);
  match(
    bad.stderr,
    /error: expected an expression, found `;`\n --> bad\.rn:2:16\n {2}\|\n2 \| {5}let x = 1 \+;\n {2}\| {16}\^/,
  );
  const good = await rune(["check", "good.rn"], { "good.rn": "pub fn main() { 1 }" });
  strictEqual(good.code, 0);
  match(good.stdout, /good\.rn: ok/);
  const json = await rune(["check", "bad.rn", "--json"], { "bad.rn": "fn main() { nope }" });
  strictEqual(json.code, 1);
  const parsed = JSON.parse(json.stdout);
  strictEqual(parsed.errors, 1);
  strictEqual(parsed.files[0].diagnostics[0].code, "E_COMPILE");
});

Deno.test("rune check knows the crucible module in a file without a manifest too", async () => {
  const plain = await rune(["check", "plain.rune"], {
    "plain.rune": 'pub fn main(p) {\n    let n = crucible::read_note("a.md");\n    n.title\n}\n',
  });
  strictEqual(plain.code, 0, plain.stderr);
  match(plain.stdout, /plain\.rune: ok/);
  // Run outside a sandbox, the call says what would run it.
  const run = await rune(["run", "plain.rune"], {
    "plain.rune": 'pub fn main() { crucible::read_note("a.md") }\n',
  });
  strictEqual(run.code, 1);
  match(
    run.stderr,
    /E_NOT_AVAILABLE: crucible::read_note needs a kiln and a sandbox, which cru rune run does not give; .*cru plugins test FILE/,
  );
});

Deno.test("rune check suggests the crucible binding a misspelt name meant, and counts arguments in English", async () => {
  const manifest = "---\nname: m\ndescription: test\n---\n";
  for (const [name, head] of [["plain.rune", ""], ["plugin.rune", manifest]]) {
    const r = await rune(["check", name], {
      [name]: head + 'pub fn main() {\n    crucible::read_notes("a.md")\n}\n' +
        'fn two() { crucible::read_note("a.md", 2) }\n',
    });
    strictEqual(r.code, 1, name);
    match(r.stderr, /error: cannot find `read_notes` in `crucible`/, name);
    match(r.stderr, /= hint: did you mean `crucible::read_note`/, name);
    match(r.stderr, /`crucible::read_note` takes 1 argument but 2 were given/, name);
    ok(!/takes 1 arguments/.test(r.stderr), name);
  }
});

Deno.test("rune run calls main, prints its output and value, and passes arguments", async () => {
  const r = await rune(["run", "m.rn", "a", "b"], {
    "m.rn": 'pub fn main(args) { println!("hello {}", args.len()); args }',
  });
  strictEqual(r.code, 0);
  strictEqual(r.stdout, 'hello 2\n["a", "b"]\n');
  const j = await rune(["run", "m.rn", "--params", '{"n": 20}', "--json"], {
    "m.rn": "pub fn main(p) { #{double: p.n * 2} }",
  });
  strictEqual(j.code, 0);
  deepStrictEqual(JSON.parse(j.stdout), { ok: true, value: { double: 40 } });
});

Deno.test("rune run reports a runtime error with its Rune stack trace and exits 1", async () => {
  const r = await rune(["run", "e.rn"], {
    "e.rn": "fn inner() {\n    let v = [];\n    v[3]\n}\npub fn main() { inner() }\n",
  });
  strictEqual(r.code, 1);
  match(
    r.stderr,
    /E_RUNTIME: index 3 is out of bounds of a vector of length 0\n {4}at inner \(e\.rn:3:5\)\n {4}at main \(e\.rn:5:17\)/,
  );
  const spin = await rune(["run", "s.rn", "--budget", "1000", "--json"], {
    "s.rn": "pub fn main() { loop {} }",
  });
  strictEqual(spin.code, 1);
  strictEqual(JSON.parse(spin.stdout).error.code, "E_TIMEOUT");
});

Deno.test("a stack overflow's trace shows a repeated frame once and counts the rest", async () => {
  const r = await rune(["run", "so.rn"], {
    "so.rn": "fn f(n) { f(n + 1) }\npub fn main() { f(0) }\n",
  });
  strictEqual(r.code, 1);
  const lines = r.stderr.trim().split("\n");
  strictEqual(lines[0], "error: E_RUNTIME: stack overflow: the recursion is too deep");
  strictEqual(lines[1], "    at f (so.rn:1:1)");
  strictEqual(lines[2], "    at f (so.rn:1:11)");
  match(lines[3], /^ {4}… the same frame \d+ more times$/);
  ok(lines.length <= 6, r.stderr);
  const mutual = await rune(["run", "m.rn"], {
    "m.rn": "fn f(n) { g(n + 1) }\nfn g(n) { f(n) }\npub fn main() { f(0) }\n",
  });
  match(
    mutual.stderr,
    // Which of the pair comes first depends on where the stack ran out: at a call, or on entry.
    /at ([fg]) \(m\.rn:[12]:11\)\n {4}at (?!\1)[fg] \(m\.rn:[12]:11\)\n {4}… the same 2 frames \d+ more times/,
  );
  ok(mutual.stderr.trim().split("\n").length <= 8, mutual.stderr);
});

Deno.test("rune run has a default time limit, and limit errors name the flag that raises them", async () => {
  const help = await rune(["run", "--help"], {});
  match(help.stdout, /--timeout <ms>\s+stop after this many milliseconds \(default 30000\)/);
  const spin = { "s.rn": "pub fn main() { loop {} }" };
  const timeout = await rune(["run", "s.rn", "--timeout", "300"], spin);
  strictEqual(timeout.code, 1);
  match(
    timeout.stderr,
    /E_TIMEOUT: the program ran past its time limit; the limit is 300 ms; raise it with --timeout MS/,
  );
  const budget = await rune(["run", "s.rn", "--budget", "1000", "--json"], spin);
  const error = JSON.parse(budget.stdout).error;
  strictEqual(error.code, "E_TIMEOUT");
  match(error.message, /budget of 1000 steps .*; raise it with --budget STEPS$/);
  const memory = await rune(["run", "b.rn", "--memory", "1000000"], {
    "b.rn": 'pub fn main() { let s = "x"; loop { s = s + s; } }',
  });
  strictEqual(memory.code, 1);
  match(memory.stderr, /E_MEMORY: .*; the limit is 1000000 bytes; raise it with --memory BYTES/);
});

Deno.test("rune commands report missing files and bad flags", async () => {
  const missing = await rune(["run", "nope.rn"], {});
  strictEqual(missing.code, 1);
  match(missing.stderr, /cannot read nope\.rn/);
  const badFlag = await rune(["run", "m.rn", "--budget", "lots"], { "m.rn": "pub fn main() {}" });
  strictEqual(badFlag.code, 2);
  match(badFlag.stderr, /--budget must be a positive whole number/);
  const noMain = await rune(["run", "m.rn"], { "m.rn": "fn other() {}" });
  strictEqual(noMain.code, 1);
  match(noMain.stderr, /has no function `main`/);
  ok(true);
});

const BENCHES = `
fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }

#[bench]
fn bench_fib(b) { b.iter(|| fib(10)); }

#[bench]
fn bench_two(b) {
    let v = [3, 1, 2];
    b.iter(|| v.len());
    b.iter(|| { let s = String::new(); s.push_str("x"); s });
}

#[test]
fn not_a_bench() {}
`;

Deno.test("rune bench --json runs each b.iter closure the requested number of times", async () => {
  const r = await rune(["bench", "b.rn", "--json", "--iterations", "25"], { "b.rn": BENCHES });
  strictEqual(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  deepStrictEqual(Object.keys(json), ["benches", "failed"]);
  deepStrictEqual(
    json.benches.map((b: { name: string; ok: boolean; iterations: number }) => [
      b.name,
      b.ok,
      b.iterations,
    ]),
    [["bench_fib", true, 25], ["bench_two#1", true, 25], ["bench_two#2", true, 25]],
  );
  for (const b of json.benches) {
    deepStrictEqual(Object.keys(b), [
      "name",
      "ok",
      "error",
      "iterations",
      "mean_ns",
      "median_ns",
      "ops_per_sec",
    ]);
    ok(b.mean_ns > 0 && b.median_ns > 0 && b.ops_per_sec > 0);
  }
  strictEqual(json.failed, 0);
});

Deno.test("rune bench prints an aligned table, honours --filter, and fails on a broken bench", async () => {
  const ok1 = await rune(["bench", "b.rn", "--filter", "fib", "--iterations", "3"], {
    "b.rn": BENCHES,
  });
  strictEqual(ok1.code, 0, ok1.stderr);
  const lines = ok1.stdout.trimEnd().split("\n");
  strictEqual(lines.length, 2);
  match(lines[0], /^bench\s+iterations\s+mean\s+median\s+ops\/s$/);
  match(lines[1], /^bench_fib\s+3\s+[\d.]+ (ns|µs|ms|s)\s+[\d.]+ (ns|µs|ms|s)\s+[\d,.]+$/);
  strictEqual(lines[0].length, lines[1].length);

  const bad = await rune(["bench", "b.rn", "--json", "--iterations", "2"], {
    "b.rn": `#[bench]\nfn oob(b) { b.iter(|| [][1]); }\n#[bench]\nfn idle(b) {}`,
  });
  strictEqual(bad.code, 1);
  const json = JSON.parse(bad.stdout);
  deepStrictEqual(json.benches.map((b: { name: string; ok: boolean }) => [b.name, b.ok]), [
    ["oob", false],
    ["idle", false],
  ]);
  match(json.benches[0].error, /out of bounds[\s\S]*at oob::\{closure\} \(b\.rn:2:\d+\)/);
  match(json.benches[1].error, /never called `b\.iter/);
  strictEqual(json.failed, 2);
});

Deno.test("mod name; loads files beside the script, and nothing outside its folder", async () => {
  const outside = Deno.makeTempDirSync({ prefix: "cru-rune-outside-" });
  try {
    Deno.writeTextFileSync(path.join(outside, "secret.rn"), "pub fn value() { 42 }");
    const r = await rune(["run", "main.rn"], {
      "main.rn": "mod helper;\npub fn main() { helper::twice(21) }",
      "helper.rn": "pub fn twice(x) { x * 2 }",
    });
    strictEqual(r.code, 0, r.stderr);
    strictEqual(r.stdout.trim(), "42");

    const t = await rune(["test", "t.rn", "--json"], {
      "t.rn": "mod helper;\n#[test]\nfn uses_module() { assert_eq!(helper::twice(2), 4); }",
      "helper.rn": "pub fn twice(x) { x * 2 }",
    });
    strictEqual(t.code, 0, t.stderr);
    strictEqual(JSON.parse(t.stdout).passed, 1);

    // A symlink beside the script that points outside its folder is not followed.
    const dir = Deno.makeTempDirSync({ prefix: "cru-rune-link-" });
    try {
      Deno.symlinkSync(path.join(outside, "secret.rn"), path.join(dir, "secret.rn"));
      Deno.writeTextFileSync(
        path.join(dir, "main.rn"),
        "mod secret;\npub fn main() { secret::value() }",
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--allow-read", "--allow-env", "--allow-sys", HARNESS, "rune"]
          .concat(["run", "main.rn"]),
        cwd: dir,
        env: {
          NO_COLOR: "1",
          HOME: dir,
          CRUCIBLE_CONFIG_DIR: path.join(dir, ".config"),
          DENO_DIR: denoDir(),
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      strictEqual(out.code, 1);
      const stderr = new TextDecoder().decode(out.stderr);
      match(stderr, /cannot find the file of module `secret`\n --> main\.rn:1:5/);
      strictEqual(new TextDecoder().decode(out.stdout), "");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }

    const err = await rune(["check", "main.rn"], {
      "main.rn": "mod helper;\npub fn main() {}",
      "helper.rn": "pub fn broken() { 1 + }",
    });
    strictEqual(err.code, 1);
    match(err.stderr, /--> helper\.rn:1:\d+\n\s+\|\n1 \| pub fn broken\(\) \{ 1 \+ \}/);
  } finally {
    Deno.removeSync(outside, { recursive: true });
  }
});
