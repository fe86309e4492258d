/**
 * Sandbox attacks with real workers and real Deno permissions. Each test tries an escape, both
 * through the bindings (the first wall) and directly against Deno's APIs as an engine escape would
 * (the second wall), and asserts it is refused, audited, and that nothing leaked or changed.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { tempKiln } from "../helpers.ts";
import { fixedApprover, jsPlugin, SandboxPool, testRunner } from "./sandbox_helpers.ts";

/** Every file under root with its bytes (`.crucible/` included: the sandbox must not touch it). */
function snapshot(root: string, skip: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const abs = path.join(dir, e.name);
      if (skip.some((s) => abs.startsWith(path.join(root, s)))) continue;
      if (e.isDirectory) walk(abs);
      else if (e.isFile) out.set(abs, Deno.readFileSync(abs).join(","));
      else if (e.isSymlink) out.set(abs, "-> " + Deno.readLinkSync(abs));
    }
  };
  walk(root);
  return out;
}

/** Run a probe: each named attempt returns its value or `ERR <code or class>: message`. */
function probe(attempts: Record<string, string>): string {
  return `
    const out = {};
    const attempts = { ${
    Object.entries(attempts).map(([k, v]) => `${JSON.stringify(k)}: () => { ${v} }`).join(",\n")
  } };
    for (const [k, f] of Object.entries(attempts)) {
      try { out[k] = JSON.parse(JSON.stringify(f() ?? null)); }
      catch (e) { out[k] = "ERR " + (e.code ?? e.constructor?.name) + ": " + e.message; }
    }
    return out;
  `;
}

function startsWith(value: unknown, prefix: string): boolean {
  return typeof value === "string" && value.startsWith(prefix);
}

Deno.test("reading outside the kiln is refused by the binding and by Deno", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const outside = Deno.makeTempDirSync({ prefix: "cru-outside-" });
  Deno.writeTextFileSync(path.join(outside, "secret.md"), "top secret");
  const { runner, events } = testRunner(kiln);
  try {
    const r = await runner.invoke({
      plugin: jsPlugin(
        "reader",
        "",
        probe({
          absolute: `return crucible.read_note(${JSON.stringify(path.join(outside, "secret.md"))})`,
          dotdot: `return crucible.read_note("../${path.basename(outside)}/secret.md")`,
          deep: `return crucible.read_note("a/../../../etc/passwd")`,
          direct: `return Deno.readTextFileSync(${
            JSON.stringify(path.join(outside, "secret.md"))
          })`,
          etc: `return Deno.readTextFileSync("/etc/passwd")`,
          env: `return Deno.env.get("HOME")`,
          run: `return new Deno.Command("id").outputSync().code`,
          write: `Deno.writeTextFileSync(${JSON.stringify(path.join(kiln.root, "x.md"))}, "x")`,
        }),
      ),
    });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    const v = r.value as Record<string, string>;
    ok(
      startsWith(v.absolute, "ERR E_PATH") || startsWith(v.absolute, "ERR E_NOT_FOUND"),
      v.absolute,
    );
    ok(startsWith(v.dotdot, "ERR E_PATH"), v.dotdot);
    ok(startsWith(v.deep, "ERR E_PATH"), v.deep);
    for (const k of ["direct", "etc", "env", "run", "write"]) {
      ok(startsWith(v[k], "ERR NotCapable"), `${k}: ${v[k]}`);
    }
    ok(!JSON.stringify(r).includes("top secret"));
    ok(!JSON.stringify(r).includes("root:"));
    strictEqual(Deno.statSync(path.join(kiln.root, "a.md")).isFile, true);
    let wrote = true;
    try {
      Deno.statSync(path.join(kiln.root, "x.md"));
    } catch {
      wrote = false;
    }
    strictEqual(wrote, false);
    ok(events.some((e) => e.kind === "security" && /leaves the kiln/.test(e.message ?? "")));
    ok(
      events.some((e) =>
        e.kind === "capability" && e.granted === false && e.binding === "read_note"
      ),
    );
  } finally {
    runner.close();
    Deno.removeSync(outside, { recursive: true });
  }
});

Deno.test("reading .crucible/ and following a symlink out of the kiln are refused", async () => {
  using kiln = tempKiln({ "a.md": "# A\n", ".crucible/config.yaml": "trusted: [x]\n" });
  const outside = Deno.makeTempDirSync({ prefix: "cru-outside-" });
  Deno.writeTextFileSync(path.join(outside, "loot.md"), "stolen words");
  Deno.symlinkSync(path.join(outside, "loot.md"), path.join(kiln.root, "link.md"));
  Deno.symlinkSync(outside, path.join(kiln.root, "linkdir"));
  Deno.symlinkSync(path.join(kiln.root, ".crucible"), path.join(kiln.root, "private"));
  const before = snapshot(kiln.root);
  const { runner, events } = testRunner(kiln);
  try {
    const r = await runner.invoke({
      plugin: jsPlugin(
        "snoop",
        "",
        probe({
          crucible: `return crucible.read_note(".crucible/config.yaml")`,
          crucibleDir: `return crucible.read_note(".crucible/index")`,
          symlinkFile: `return crucible.read_note("link.md")`,
          symlinkDir: `return crucible.read_note("linkdir/loot.md")`,
          symlinkPrivate: `return crucible.read_note("private/config.yaml")`,
          directOutside: `return Deno.readTextFileSync(${
            JSON.stringify(path.join(outside, "loot.md"))
          })`,
          fine: `return crucible.read_note("a.md").title`,
        }),
      ),
    });
    const v = r.value as Record<string, string>;
    for (const k of ["crucible", "crucibleDir", "symlinkFile", "symlinkDir", "symlinkPrivate"]) {
      ok(startsWith(v[k], "ERR E_PATH"), `${k}: ${v[k]}`);
    }
    ok(startsWith(v.directOutside, "ERR NotCapable"), v.directOutside);
    strictEqual(v.fine, "A");
    ok(!JSON.stringify(r).includes("stolen words") && !JSON.stringify(r).includes("trusted"));
    deepStrictEqual(
      snapshot(kiln.root, [".crucible/index.db", ".crucible/journal", ".crucible/rate"]),
      before,
    );
    strictEqual(events.filter((e) => e.kind === "security").length, 5);
  } finally {
    runner.close();
    Deno.removeSync(outside, { recursive: true });
  }
});

Deno.test("writing without KilnWrite is refused and nothing changes on disk", async () => {
  using kiln = tempKiln({ "a.md": "# A\noriginal\n" });
  const before = snapshot(kiln.root);
  const { runner, events } = testRunner(kiln);
  try {
    const r = await runner.invoke({
      plugin: jsPlugin(
        "vandal",
        "",
        probe({
          binding: `return crucible.write_note("a.md", "defaced")`,
          create: `return crucible.write_note("new.md", "spam")`,
          direct: `Deno.writeTextFileSync(${
            JSON.stringify(path.join(kiln.root, "a.md"))
          }, "defaced")`,
          remove: `Deno.removeSync(${JSON.stringify(path.join(kiln.root, "a.md"))})`,
        }),
      ),
    });
    const v = r.value as Record<string, string>;
    ok(startsWith(v.binding, "ERR E_CAPABILITY") && v.binding.includes("KilnWrite"), v.binding);
    ok(startsWith(v.create, "ERR E_CAPABILITY"), v.create);
    ok(startsWith(v.direct, "ERR NotCapable"), v.direct);
    ok(startsWith(v.remove, "ERR NotCapable"), v.remove);
    deepStrictEqual(snapshot(kiln.root, [".crucible"]), before);
    ok(events.some((e) => e.kind === "security" && /write_note/.test(e.message ?? "")));
  } finally {
    runner.close();
  }
});

Deno.test("a denied approval stops the invocation before it starts", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const before = snapshot(kiln.root);
  const approver = fixedApprover([]);
  const { runner, events } = testRunner(kiln, { approver });
  try {
    const r = await runner.invoke({
      plugin: jsPlugin(
        "writer",
        "capabilities: [KilnRead, KilnWrite]\n",
        `crucible.write_note("a.md", "x"); return 1;`,
      ),
    });
    strictEqual(r.ok, false);
    strictEqual(r.error?.code, "E_APPROVAL_DENIED");
    deepStrictEqual(approver.asked, ["KilnWrite"]);
    deepStrictEqual(snapshot(kiln.root, [".crucible"]), before);
    ok(
      events.some((e) =>
        e.kind === "approval" && e.granted === false && e.capability === "KilnWrite"
      ),
    );
    ok(events.some((e) => e.kind === "invocation.end" && e.status === "error"));
  } finally {
    runner.close();
  }
});

Deno.test("an approved write is journaled first, atomic, and indexed", async () => {
  using kiln = tempKiln({ "a.md": "# A\nold text\n" });
  const { runner, events } = testRunner(kiln, { approver: fixedApprover(["KilnWrite"]) });
  try {
    const r = await runner.invoke({
      plugin: jsPlugin(
        "writer",
        "capabilities: [KilnRead, KilnWrite]\n",
        `const w = crucible.write_note("a.md", "# A\\nnew text", { status: "done" });
         return { w, hits: crucible.search("new").map((h) => h.path) };`,
      ),
    });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    const v = r.value as { w: Record<string, unknown>; hits: string[] };
    deepStrictEqual(v.w, { path: "a.md", created: false, word_count: 3, bytes: 33 });
    deepStrictEqual(v.hits, ["a.md"]);
    strictEqual(
      Deno.readTextFileSync(path.join(kiln.root, "a.md")),
      "---\nstatus: done\n---\n# A\nnew text",
    );
    const journal = [...Deno.readDirSync(path.join(kiln.root, ".crucible", "journal"))];
    strictEqual(journal.length, 1);
    const entry = JSON.parse(
      Deno.readTextFileSync(path.join(kiln.root, ".crucible", "journal", journal[0].name)),
    );
    deepStrictEqual([entry.path, atob(entry.previousBase64), entry.plugin], [
      "a.md",
      "# A\nold text\n",
      "writer",
    ]);
    // No temp files are left behind.
    deepStrictEqual([...Deno.readDirSync(kiln.root)].map((e) => e.name).sort(), [
      ".crucible",
      "a.md",
    ]);
    ok(events.some((e) => e.kind === "capability" && e.binding === "write_note" && e.granted));
  } finally {
    runner.close();
  }
});

Deno.test("a write over the file-size limit is refused", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  kiln.write(".crucible/config.yaml", "sandbox:\n  file_size: 1KB\n");
  const { runner } = testRunner(kiln, { approver: fixedApprover(["KilnWrite"]) });
  try {
    const r = await runner.invoke({
      plugin: jsPlugin(
        "big",
        "capabilities: [KilnRead, KilnWrite]\n",
        `return crucible.write_note("b.md", "x".repeat(5000));`,
      ),
    });
    strictEqual(r.error?.code, "E_FILE_TOO_LARGE");
    let exists = true;
    try {
      Deno.statSync(path.join(kiln.root, "b.md"));
    } catch {
      exists = false;
    }
    strictEqual(exists, false);
  } finally {
    runner.close();
  }
});

async function withServer<T>(fn: (port: number, hits: string[]) => Promise<T>): Promise<T> {
  const hits: string[] = [];
  const ac = new AbortController();
  let port = 0;
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    (req): Response => {
      hits.push(new URL(req.url).pathname);
      if (new URL(req.url).pathname === "/redirect") {
        return new Response(null, {
          status: 302,
          headers: {
            location: "http://127.0.0.1:" + (server.addr as Deno.NetAddr).port + "/final",
          },
        });
      }
      return new Response("hello from the test server");
    },
  );
  port = server.addr.port;
  try {
    return await fn(port, hits);
  } finally {
    ac.abort();
    await server.finished;
  }
}

Deno.test("network: no capability, an unlisted host, the wrong scheme and a redirect are refused", async () => {
  await withServer(async (port, hits) => {
    using kiln = tempKiln({ "a.md": "# A\n" });
    const { runner, events } = testRunner(kiln, { approver: fixedApprover(["*"]) });
    try {
      const none = await runner.invoke({
        plugin: jsPlugin(
          "offline",
          "",
          probe({
            binding: `return crucible.http.request("http://localhost:${port}/x")`,
            // fetch is async: fire it and let the server say whether it ever arrived.
            direct: `fetch("http://127.0.0.1:${port}/direct").catch(() => {}); return "sent"`,
          }),
        ),
      });
      const v1 = none.value as Record<string, string>;
      ok(startsWith(v1.binding, "ERR E_CAPABILITY"), v1.binding);
      const listed = await runner.invoke({
        plugin: jsPlugin(
          "online",
          `capabilities:\n  - NetworkHttp: ["localhost:${port}"]\n`,
          probe({
            ok: `return crucible.http.request("http://localhost:${port}/allowed").body`,
            get: `return crucible.http.get("http://localhost:${port}/got").status`,
            post: `return crucible.http.post("http://localhost:${port}/posted", { a: 1 }).status`,
            getOther: `return crucible.http.get("http://127.0.0.1:${port}/nope")`,
            otherHost: `return crucible.http.request("http://127.0.0.1:${port}/other")`,
            https: `return crucible.http.request("https://localhost:${port}/tls")`,
            redirect: `return crucible.http.request("http://localhost:${port}/redirect")`,
            file: `return crucible.http.request("file:///etc/passwd")`,
          }),
        ),
      });
      strictEqual(listed.ok, true, JSON.stringify(listed.error));
      const v2 = listed.value as Record<string, string>;
      strictEqual(v2.ok, "hello from the test server");
      deepStrictEqual([v2.get, v2.post], [200, 200]);
      ok(startsWith(v2.getOther, "ERR E_CAPABILITY"), v2.getOther);
      ok(
        startsWith(v2.otherHost, "ERR E_CAPABILITY") && v2.otherHost.includes("127.0.0.1"),
        v2.otherHost,
      );
      ok(startsWith(v2.https, "ERR E_CAPABILITY") && v2.https.includes("NetworkHttps"), v2.https);
      ok(startsWith(v2.redirect, "ERR E_CAPABILITY"), v2.redirect);
      ok(startsWith(v2.file, "ERR E_CAPABILITY"), v2.file);
      deepStrictEqual(hits.sort(), ["/allowed", "/got", "/posted", "/redirect"]);
      ok(events.filter((e) => e.kind === "security").length >= 4);
    } finally {
      runner.close();
    }
  });
});

Deno.test("an infinite loop times out, the host stays responsive and other invocations finish", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const pool = new SandboxPool({ size: 2, graceMs: 100 });
  const { runner } = testRunner(kiln, { pool });
  try {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const loop = runner.invoke({ plugin: jsPlugin("spin", "", "while (true) {}"), timeoutMs: 800 });
    const quick = await runner.invoke({ plugin: jsPlugin("quick", "", "return 42;") });
    strictEqual(quick.value, 42);
    const r = await loop;
    clearInterval(ticker);
    strictEqual(r.ok, false);
    strictEqual(r.error?.code, "E_TIMEOUT");
    ok(ticks > 5, `the host event loop ran ${ticks} ticks during the loop`);
    const after = await runner.invoke({ plugin: jsPlugin("spin", "", "return 'fine';") });
    strictEqual(after.value, "fine");
    ok(pool.stats().terminated >= 1);
  } finally {
    runner.close();
    pool.close();
  }
});

Deno.test("a crashed worker is reported and replaced", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const pool = new SandboxPool({ size: 1 });
  const { runner } = testRunner(kiln, { pool });
  try {
    // An uncaught error in the worker's event loop kills it, as an engine bug would.
    const plugin = jsPlugin(
      "crash",
      "",
      `setTimeout(() => { throw new Error("boom"); }, 0); return new Promise(() => {});`,
    );
    const r = await runner.invoke({ plugin, timeoutMs: 20_000 });
    strictEqual(r.ok, false);
    strictEqual(r.error?.code, "E_SANDBOX");
    ok(/boom/.test(r.error!.message), r.error!.message);
    strictEqual(pool.stats().terminated, 1);
    const next = await runner.invoke({ plugin: jsPlugin("fine", "", "return 1;") });
    strictEqual(next.value, 1);
  } finally {
    runner.close();
    pool.close();
  }
});

Deno.test("warm workers are reused for the same plugin and grant; concurrency is bounded", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const pool = new SandboxPool({ size: 1 });
  const { runner } = testRunner(kiln, { pool });
  try {
    const p = jsPlugin(
      "clock",
      "",
      "const start = Date.now(); while (Date.now() - start < 50) {} return [start, Date.now()];",
    );
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => runner.invoke({ plugin: p })));
    const spans = [a, b, c].map((r) => r.value as [number, number]).sort((x, y) => x[0] - y[0]);
    // With one slot, each invocation starts after the previous one ended.
    ok(spans[1][0] >= spans[0][1] && spans[2][0] >= spans[1][1], JSON.stringify(spans));
    const s = pool.stats();
    strictEqual(s.spawned, 1);
    strictEqual(s.reused, 2);
  } finally {
    runner.close();
    pool.close();
  }
});

Deno.test("cancellation stops an invocation with E_CANCELLED", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const pool = new SandboxPool({ size: 1, graceMs: 50 });
  const { runner } = testRunner(kiln, { pool });
  try {
    const ac = new AbortController();
    const running = runner.invoke({
      plugin: jsPlugin("slow", "", "while (true) {}"),
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 100);
    const r = await running;
    strictEqual(r.error?.code, "E_CANCELLED");
  } finally {
    runner.close();
    pool.close();
  }
});

Deno.test("a burst over the rate limit is refused with E_RATE_LIMIT", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  kiln.write(".crucible/config.yaml", "sandbox:\n  rate: 6/min\n  burst: 3\n");
  const { runner, events } = testRunner(kiln);
  try {
    const p = jsPlugin("chatty", "", "return 1;");
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await runner.invoke({ plugin: p }));
    deepStrictEqual(results.map((r) => r.ok), [true, true, true, false, false]);
    strictEqual(results[3].error?.code, "E_RATE_LIMIT");
    ok(/more than 6 times a minute/.test(results[3].error!.message));
    strictEqual(
      events.filter((e) => e.kind === "invocation.end" && e.status === "error").length,
      2,
    );
  } finally {
    runner.close();
  }
});

Deno.test("a host reply over the payload limit is a clear error", async () => {
  using kiln = tempKiln();
  for (let i = 0; i < 300; i++) kiln.write(`n${i}.md`, `# Note number ${i}\n`);
  const pool = new SandboxPool({ size: 1, payloadLimit: 4096 });
  const { runner } = testRunner(kiln, { pool });
  try {
    const r = await runner.invoke({
      plugin: jsPlugin("greedy", "", "return crucible.list_notes().length;"),
    });
    strictEqual(r.error?.code, "E_PAYLOAD_TOO_LARGE");
    ok(/over the 4096-byte limit/.test(r.error!.message));
  } finally {
    runner.close();
    pool.close();
  }
});

Deno.test("parameters are validated against the manifest before anything runs", async () => {
  using kiln = tempKiln();
  const { runner, events } = testRunner(kiln);
  try {
    const p = jsPlugin(
      "typed",
      "parameters:\n  n: {type: integer, required: true}\n  mode: {type: string, default: fast}\n",
      "return params;",
    );
    const bad = await runner.invoke({ plugin: p, params: { n: "three" } });
    strictEqual(bad.error?.code, "E_INVALID_PARAMS");
    ok(/parameter `n` must be an integer/.test(bad.error!.message), bad.error!.message);
    const extra = await runner.invoke({ plugin: p, params: { n: 1, nope: true } });
    strictEqual(extra.error?.code, "E_INVALID_PARAMS");
    const good = await runner.invoke({ plugin: p, params: { n: 3 } });
    deepStrictEqual(good.value, { n: 3, mode: "fast" });
    strictEqual(events.filter((e) => e.kind === "invocation.start").length, 1);
  } finally {
    runner.close();
  }
});

Deno.test("a binding that does not exist is a clear error, never nil", async () => {
  using kiln = tempKiln();
  const { runner } = testRunner(kiln);
  try {
    const r = await runner.invoke({
      plugin: jsPlugin("early", "", "return crucible.batch([['no.such', 1]])[0].error;"),
    });
    deepStrictEqual(r.value, { code: "E_NOT_FOUND", message: "crucible.no.such does not exist" });
  } finally {
    runner.close();
  }
});
