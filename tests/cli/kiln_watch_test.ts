/**
 * `cru kiln index --watch`: the index follows notes being written, renamed and deleted while
 * the command runs, without anyone asking for a re-index, and SIGTERM/SIGINT end it cleanly.
 *
 * The index is read in this process with `NoteIndex` and never updated here, so what it shows
 * is what the watching process wrote.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { NoteIndex } from "../../src/kiln/mod.ts";
import { denoDir, REPO, tempKiln } from "../helpers.ts";

/** Lines of a child's output stream as they arrive. */
class Lines {
  readonly all: string[] = [];
  #waiters: (() => void)[] = [];
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        rest += chunk;
        const parts = rest.split("\n");
        rest = parts.pop()!;
        this.all.push(...parts);
        for (const wake of this.#waiters.splice(0)) wake();
      }
      if (rest !== "") this.all.push(rest);
      for (const wake of this.#waiters.splice(0)) wake();
    })();
  }

  /** Resolve when a line matches, failing after `ms`. */
  async waitFor(pattern: RegExp, ms: number): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.all.find((l) => pattern.test(l));
      if (hit !== undefined) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line matching ${pattern} within ${ms} ms: ${this.all}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((wake) => this.#waiters.push(wake)),
        new Promise<void>((wake) => timer = setTimeout(wake, Math.min(left, 200))),
      ]);
      clearTimeout(timer);
    }
  }
}

/** Start `cru kiln index --watch` on a kiln, as a user would. */
function startWatch(root: string, extra: string[] = []) {
  const home = Deno.makeTempDirSync({ prefix: "cru-home-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      path.join(REPO, "cli.ts"),
      "--kiln",
      root,
      "kiln",
      "index",
      "--watch",
      ...extra,
    ],
    cwd: REPO,
    env: { HOME: home, NO_COLOR: "1", DENO_DIR: denoDir() },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Lines(child.stdout);
  const stderr = new Lines(child.stderr);
  return {
    child,
    stdout,
    stderr,
    async stop(signal: Deno.Signal): Promise<number> {
      child.kill(signal);
      const status = await child.status;
      await Promise.all([stdout.done, stderr.done]);
      Deno.removeSync(home, { recursive: true });
      return status.code;
    },
  };
}

/** Poll `check` until it holds; `what` names it when it never does. */
async function eventually(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((wake) => setTimeout(wake, 25));
  }
}

Deno.test("kiln index --watch follows notes written, renamed and deleted, and exits 0", async () => {
  using kiln = tempKiln({
    "a.md": "# A\nsee [[b]]\n",
    "b.md": "# B\nbeta\n",
  });
  const watch = startWatch(kiln.root);
  let index: NoteIndex | null = null;
  try {
    await watch.stderr.waitFor(/watching/, 60_000);
    match(watch.stdout.all[0], /^indexed 2 notes in /);
    index = NoteIndex.open(kiln.root);
    const idx = index;
    deepStrictEqual(idx.paths(), ["a.md", "b.md"]);

    // A new note: searchable, and its link counted as a backlink.
    kiln.write("c.md", "# C\nokapi sighting, see [[a]]\n");
    await eventually("c.md indexed", () => idx.paths().includes("c.md"));
    deepStrictEqual(idx.search("okapi").map((h) => h.path), ["c.md"]);
    deepStrictEqual(idx.backlinks("a.md").map((b) => b.path), ["c.md"]);

    // An edit: the old words go, the new ones come.
    kiln.write("c.md", "# C\nquokka sighting, see [[a]]\n");
    await eventually("the edit indexed", () => idx.search("quokka").length === 1);
    deepStrictEqual(idx.search("okapi"), []);

    // A rename into a new folder, and a note in a hidden folder, which is never indexed.
    kiln.write(".obsidian/hidden.md", "# Hidden\nquokka\n");
    Deno.mkdirSync(path.join(kiln.root, "sub"));
    Deno.renameSync(path.join(kiln.root, "c.md"), path.join(kiln.root, "sub", "d.md"));
    await eventually("the rename indexed", () => idx.paths().includes("sub/d.md"));
    deepStrictEqual(idx.paths(), ["a.md", "b.md", "sub/d.md"]);
    deepStrictEqual(idx.search("quokka").map((h) => h.path), ["sub/d.md"]);

    // A deletion: the link to it no longer resolves.
    kiln.remove("a.md");
    await eventually("a.md removed", () => !idx.paths().includes("a.md"));
    deepStrictEqual(idx.unresolved().map((u) => [u.source, u.target]), [["sub/d.md", "a"]]);

    // A folder renamed: its notes move with it.
    Deno.renameSync(path.join(kiln.root, "sub"), path.join(kiln.root, "archive"));
    await eventually("the folder rename indexed", () => idx.paths().includes("archive/d.md"));
    deepStrictEqual(idx.paths(), ["archive/d.md", "b.md"]);
  } finally {
    index?.close();
    const code = await watch.stop("SIGTERM");
    strictEqual(code, 0, watch.stderr.all.join("\n"));
  }
  const updates = watch.stdout.all.slice(1);
  ok(updates.length >= 5, `expected an update line per change, got ${updates}`);
  for (const line of updates) match(line, /^updated \d+ notes? in \d+ ms$/);
});

Deno.test("kiln index --watch --json prints one JSON line per update and stops on SIGINT", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const watch = startWatch(kiln.root, ["--json"]);
  try {
    await watch.stderr.waitFor(/watching/, 60_000);
    kiln.write("b.md", "# B\n");
    const line = await watch.stdout.waitFor(/"paths":\["b\.md"\]/, 15_000);
    const update = JSON.parse(line);
    deepStrictEqual([update.added, update.notes], [1, 2]);
    strictEqual(JSON.parse(watch.stdout.all[0]).added, 1);
  } finally {
    strictEqual(await watch.stop("SIGINT"), 0, watch.stderr.all.join("\n"));
  }
});
