/**
 * The Rune plugin engine adapter, driven the way the sandbox worker drives an engine: through an
 * EngineContext whose `call` answers binding calls, whose `log` collects lines and whose
 * `shouldStop` is the host's stop flag.
 */
import { deepStrictEqual, match, ok, rejects, strictEqual, throws } from "node:assert/strict";
import { createRuneEngine, CRUCIBLE_MODULE } from "../../src/runtime/engines/rune/engine.ts";
import { type EngineContext, PluginError } from "../../src/runtime/engine.ts";
import type { Json } from "../../src/runtime/protocol.ts";
import { BINDINGS } from "../../src/runtime/bindings.ts";

let plugins = 0;

function context(
  code: string,
  options: {
    answer?: (name: string, args: Json[]) => Json;
    stop?: () => boolean;
    memory?: number;
  } = {},
) {
  const calls: [string, Json[]][] = [];
  const logs: string[] = [];
  const ctx: EngineContext = {
    plugin: {
      name: "probe",
      file: "/kiln/.crucible/plugins/probe.rune",
      language: "rune",
      code,
      hash: `hash-${++plugins}`,
    },
    limits: { memory: options.memory ?? 64 * 1024 * 1024, fileSize: 1 << 20, logBytes: 1 << 16 },
    call(name, args) {
      calls.push([name, args]);
      if (options.answer) return options.answer(name, args);
      return null;
    },
    log: (line) => logs.push(line),
    shouldStop: options.stop ?? (() => false),
    modules: {},
    dependencies: [],
  };
  return { ctx, calls, logs };
}

Deno.test("the crucible module is generated from the binding table", () => {
  strictEqual(CRUCIBLE_MODULE.length, BINDINGS.length);
  const read = CRUCIBLE_MODULE.find((m) => m.path === "crucible::read_note")!;
  deepStrictEqual([read.params, read.optional], [1, 0]);
  const list = CRUCIBLE_MODULE.find((m) => m.path === "crucible::list_notes")!;
  deepStrictEqual([list.params, list.optional], [2, 2]);
  ok(CRUCIBLE_MODULE.some((m) => m.path === "crucible::graph::backlinks"));
});

Deno.test("main gets the parameters as Rune values and returns JSON", async () => {
  const { ctx } = context(`
    pub fn main(params) {
      assert!(params.n is i64);
      #{ doubled: params.n * 2, name: params.name, ratio: params.r * 2.0, list: [1, "x"] }
    }`);
  const engine = await createRuneEngine(ctx);
  deepStrictEqual(await engine.run("main", { n: 21, name: "x", r: 0.25 }), {
    doubled: 42,
    name: "x",
    ratio: 0.5,
    list: [1, "x"],
  });
  engine.dispose();
});

Deno.test("bindings are called through ctx.call with JSON arguments and results", async () => {
  const { ctx, calls } = context(
    `
    use crucible::graph;
    pub fn main(p) {
      let note = crucible::read_note(p.path);
      let links = graph::backlinks(note.title);
      let all = crucible::list_notes();
      #{ title: note.title, words: note.word_count + 1, backlinks: links.len(), notes: all.len() }
    }`,
    {
      answer: (name, args) => {
        if (name === "read_note") return { title: `T(${args[0]})`, word_count: 9 };
        if (name === "graph.backlinks") return [{ path: "a.md" }, { path: "b.md" }];
        return [];
      },
    },
  );
  const engine = await createRuneEngine(ctx);
  deepStrictEqual(await engine.run("main", { path: "x.md" }), {
    title: "T(x.md)",
    words: 10,
    backlinks: 2,
    notes: 0,
  });
  deepStrictEqual(calls, [["read_note", ["x.md"]], ["graph.backlinks", ["T(x.md)"]], [
    "list_notes",
    [],
  ]]);
});

Deno.test("a binding's error keeps its code and carries the plugin line", async () => {
  const { ctx } = context(
    'pub fn main(p) {\n  let x = 1;\n  crucible::write_note("a.md", "body")\n}',
    {
      answer: () => {
        throw new PluginError(
          "E_CAPABILITY",
          "plugin probe called crucible.write_note, which needs KilnWrite",
        );
      },
    },
  );
  const engine = await createRuneEngine(ctx);
  await rejects(async () => await engine.run("main", {}), (e: PluginError) => {
    strictEqual(e.code, "E_CAPABILITY");
    match(e.message, /needs KilnWrite/);
    deepStrictEqual([e.where.file, e.where.line], [ctx.plugin.file, 3]);
    match(e.where.traceback ?? "", /main \(probe\.rune:3:\d+\)/);
    return true;
  });
});

Deno.test("println! goes to the plugin log line by line", async () => {
  const { ctx, logs } = context(
    'pub fn main() { println!("one"); print!("two "); print!("three"); 1 }',
  );
  const engine = await createRuneEngine(ctx);
  strictEqual(await engine.run("main", {}), 1);
  deepStrictEqual(logs, ["one", "two three"]);
});

Deno.test("syntax errors are E_SYNTAX with the file's line and column", async () => {
  const { ctx } = context("\n\n\nfn main() {\n  let x = ;\n}\n");
  await rejects(createRuneEngine(ctx), (e: PluginError) => {
    strictEqual(e.code, "E_SYNTAX");
    deepStrictEqual([e.where.line, e.where.column], [5, 11]);
    match(e.where.traceback ?? "", /probe\.rune:5:11/);
    return true;
  });
  const unknown = context("pub fn main() { crucible::nope() }");
  await rejects(createRuneEngine(unknown.ctx), /cannot find `nope` in `crucible`/);
  const arity = context("pub fn main() { crucible::read_note() }");
  await rejects(createRuneEngine(arity.ctx), /takes 1 argument but 0 were given/);
});

Deno.test("entry functions: another public fn, a missing one, an Err result", async () => {
  const { ctx } = context(`
    pub fn main() { 1 }
    pub fn roll(p) { p.sides }
    pub fn fails() { Err("bad dice") }
    pub fn ok() { Ok(5) }
    pub fn two(a, b) { 0 }`);
  const engine = await createRuneEngine(ctx);
  strictEqual(await engine.run("roll", { sides: 6 }), 6);
  strictEqual(await engine.run("ok", {}), 5);
  throws(() => engine.run("nope", {}), (e: PluginError) => e.code === "E_NOT_FOUND");
  throws(
    () => engine.run("fails", {}),
    (e: PluginError) => e.code === "E_RUNTIME" && e.message === "bad dice",
  );
  throws(() => engine.run("two", {}), (e: PluginError) => e.code === "E_INVALID_PARAMS");
});

Deno.test("the host's stop request and the memory limit stop a plugin", async () => {
  let polls = 0;
  const spin = context("pub fn main() { loop {} }", { stop: () => ++polls > 2 });
  const engine = await createRuneEngine(spin.ctx);
  throws(() => engine.run("main", {}), (e: PluginError) => e.code === "E_TIMEOUT");
  const hog = context("pub fn main() { let v = []; loop { v.push([1, 2, 3]); } }", {
    memory: 2 * 1024 * 1024,
  });
  const engine2 = await createRuneEngine(hog.ctx);
  throws(() => engine2.run("main", {}), (e: PluginError) => e.code === "E_MEMORY");
});

Deno.test("results JSON cannot hold are refused", async () => {
  const { ctx } = context("pub fn main() { || 1 }");
  const engine = await createRuneEngine(ctx);
  throws(() => engine.run("main", {}), (e: PluginError) => e.code === "E_INVALID_VALUE");
});

Deno.test("an async main is awaited, and bindings work inside async code", async () => {
  const { ctx, calls } = context(
    `
    async fn title(path) { crucible::read_note(path).title }
    pub async fn main(p) {
      let (a, b) = std::future::join((title(p.a), title(p.b))).await;
      #{ titles: [a, b] }
    }`,
    { answer: (_name, args) => ({ title: `T:${args[0]}` }) },
  );
  const engine = await createRuneEngine(ctx);
  deepStrictEqual(await engine.run("main", { a: "x.md", b: "y.md" }), {
    titles: ["T:x.md", "T:y.md"],
  });
  deepStrictEqual(calls.map((c) => c[1][0]), ["x.md", "y.md"]);
  engine.dispose();
});
