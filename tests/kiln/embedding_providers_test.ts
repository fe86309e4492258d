/**
 * Embedding services (Ollama's `/api/embed`, OpenAI-compatible `/embeddings`), against a real
 * HTTP server on the loopback interface that answers with deterministic vectors: batching, the
 * API key, re-embedding when the model changes or a note is edited, and errors that name the
 * config field to fix.
 */
import { deepStrictEqual, match, ok, rejects, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { NoteIndex } from "../../src/kiln/mod.ts";
import { searchKiln } from "../../src/kiln/hybrid.ts";
import { embeddingProvider, type EmbeddingSettings } from "../../src/kiln/embedding_providers.ts";
import { loadConfig } from "../../src/config/config.ts";
import { CrucibleError } from "../../src/errors.ts";
import { tempKiln } from "../helpers.ts";
import { BUILTIN } from "./word_vectors.ts";

const KILN = {
  "apples.md": "# Apples\napple orchard apple pie\n",
  "boats.md": "# Boats\nboat harbour sail boat\n",
  "clocks.md": "# Clocks\nclock gears time\n",
  "dunes.md": "# Dunes\nsand desert wind\n",
  "eels.md": "# Eels\neel river night\n",
};

/** A bag-of-words vector: each word adds 1 to a dimension chosen by its hash. */
function bagOfWords(text: string): number[] {
  const v = new Array(32).fill(0);
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    let h = 7;
    for (const c of w) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    v[h % 32] += 1;
  }
  return v;
}

interface Seen {
  path: string;
  model: string;
  inputs: string[];
  auth: string | null;
}

/** A loopback embeddings server speaking both dialects; `status` forces an error answer. */
function embeddingServer(options: { status?: number } = {}) {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json() as { model: string; input: string[] };
    const url = new URL(req.url);
    seen.push({
      path: url.pathname,
      model: body.model,
      inputs: body.input,
      auth: req.headers.get("authorization"),
    });
    if (options.status) return new Response("no such model", { status: options.status });
    const vectors = body.input.map(bagOfWords);
    if (url.pathname === "/api/embed") {
      return Response.json({ model: body.model, embeddings: vectors });
    }
    // OpenAI may answer out of order; the index field says which input each vector is for.
    const data = vectors.map((embedding, index) => ({ object: "embedding", index, embedding }));
    return Response.json({ object: "list", data: data.reverse(), model: body.model });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    seen,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function semantic(index: NoteIndex, settings: EmbeddingSettings, query: string) {
  const hits = await searchKiln(index, query, {
    mode: "semantic",
    provider: embeddingProvider(settings),
  });
  return hits.map((h) => h.path);
}

Deno.test("ollama: notes are embedded in batches, then only what changed", async () => {
  await using server = embeddingServer();
  using kiln = tempKiln(KILN);
  const settings: EmbeddingSettings = {
    provider: "ollama",
    url: server.url,
    model: "test-embed",
    batchSize: 2,
  };
  const index = NoteIndex.open(kiln.root, { embeddings: settings });
  try {
    index.update();
    strictEqual((await semantic(index, settings, "sail the boat"))[0], "boats.md");
    strictEqual(index.vectorModel(), "ollama:test-embed");
    deepStrictEqual(server.seen.map((s) => s.inputs.length), [2, 2, 1, 1], "3 batches + query");
    ok(server.seen.every((s) => s.path === "/api/embed" && s.model === "test-embed"));
    ok(/^Apples\n\n.*apple orchard apple pie/s.test(server.seen[0].inputs[0]), "title, then body");

    server.seen.length = 0;
    await semantic(index, settings, "sail the boat");
    deepStrictEqual(server.seen.map((s) => s.inputs.length), [1], "only the query");

    server.seen.length = 0;
    kiln.write("clocks.md", "# Clocks\nsand timer in the desert\n");
    kiln.remove("eels.md");
    index.update();
    const hits = await semantic(index, settings, "desert sand");
    deepStrictEqual(hits.slice(0, 2).sort(), ["clocks.md", "dunes.md"]);
    ok(!hits.includes("eels.md"));
    deepStrictEqual(server.seen.map((s) => s.inputs.length), [1, 1], "the edited note + query");
  } finally {
    index.close();
  }
});

Deno.test("openai-compatible: the key comes from the named variable; answers are reordered", async () => {
  await using server = embeddingServer();
  using kiln = tempKiln(KILN);
  const env = `CRU_TEST_EMBEDDINGS_KEY_${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  Deno.env.set(env, "sk-test-123");
  const settings: EmbeddingSettings = {
    provider: "openai",
    url: `${server.url}/v1`,
    model: "text-embedding-test",
    apiKeyEnv: env,
  };
  const index = NoteIndex.open(kiln.root, { embeddings: settings });
  try {
    index.update();
    strictEqual((await semantic(index, settings, "apple pie"))[0], "apples.md");
    ok(server.seen.every((s) => s.path === "/v1/embeddings"));
    ok(server.seen.every((s) => s.auth === "Bearer sk-test-123"));
    strictEqual(index.vectorModel(), "openai:text-embedding-test");

    // Switching to the built-in vectors re-embeds every note with them, and back again.
    strictEqual((await semantic(index, BUILTIN, "orchard fruit"))[0], "apples.md");
    ok(index.vectorModel()!.startsWith("builtin:"));
    strictEqual(index.vectorOf("apples.md")!.length, 100);
    server.seen.length = 0;
    await semantic(index, settings, "apple pie");
    strictEqual(server.seen[0].inputs.length, 5, "all notes again");
    strictEqual(index.vectorOf("apples.md")!.length, 32);
  } finally {
    index.close();
    Deno.env.delete(env);
  }
});

Deno.test("an unreachable or failing service is an error naming the config field", async () => {
  using kiln = tempKiln(KILN);
  const index = NoteIndex.open(kiln.root, { embeddings: BUILTIN });
  try {
    index.update();
    // A port nothing listens on: take one from a server, then close it.
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const down = { provider: "ollama" as const, url: `http://127.0.0.1:${port}` };
    await rejects(() => semantic(index, down, "x"), (e: unknown) => {
      ok(e instanceof CrucibleError && e.code === "E_NETWORK");
      match((e as Error).message, /cannot reach the ollama embeddings service/);
      match((e as Error).message, /search\.embeddings\.url/);
      return true;
    });
    await using failing = embeddingServer({ status: 404 });
    await rejects(
      () => semantic(index, { provider: "openai", url: failing.url, model: "nope" }, "x"),
      /answered 404: no such model; check search\.embeddings\.model \(nope\)/,
    );
    await rejects(
      () =>
        semantic(index, {
          provider: "openai",
          url: failing.url,
          apiKeyEnv: "CRU_TEST_UNSET_VARIABLE_FOR_EMBEDDINGS",
        }, "x"),
      /search\.embeddings\.api_key_env names CRU_TEST_UNSET_VARIABLE_FOR_EMBEDDINGS, which is not set/,
    );
    // The failed attempts left the stored vectors usable.
    strictEqual((await semantic(index, BUILTIN, "fruit orchard"))[0], "apples.md");
  } finally {
    index.close();
  }
});

Deno.test("search.embeddings is read from the user config only", () => {
  using dir = tempKiln({});
  const configDir = path.join(dir.root, "config");
  const kiln = path.join(dir.root, "kiln");
  Deno.mkdirSync(path.join(kiln, ".crucible"), { recursive: true });
  Deno.mkdirSync(configDir);
  Deno.writeTextFileSync(
    path.join(configDir, "config.yaml"),
    "search:\n  embeddings:\n    provider: ollama\n    url: http://127.0.0.1:9/\n" +
      "    model: mxbai-embed-large\n    batch_size: 8\n",
  );
  // A kiln from someone else must not send the notes to a service of its choosing.
  Deno.writeTextFileSync(
    path.join(kiln, ".crucible", "config.yaml"),
    "search:\n  embeddings:\n    provider: openai\n    url: https://evil.example/v1\n",
  );
  const env = (n: string) =>
    ({ CRUCIBLE_CONFIG_DIR: configDir, XDG_CACHE_HOME: path.join(dir.root, "cache") })[n];
  const config = loadConfig({ kilnRoot: kiln, env });
  deepStrictEqual(config.search.embeddings, {
    provider: "ollama",
    cacheDir: path.join(dir.root, "cache", "crucible"),
    url: "http://127.0.0.1:9/",
    model: "mxbai-embed-large",
    batchSize: 8,
  });
  Deno.writeTextFileSync(
    path.join(configDir, "config.yaml"),
    "search:\n  embeddings:\n    provider: cohere\n",
  );
  let message = "";
  try {
    loadConfig({ env });
  } catch (e) {
    message = (e as Error).message;
  }
  match(message, /search\.embeddings\.provider/);
});
