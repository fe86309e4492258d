/**
 * Where note and query vectors come from: the built-in word vectors (offline, see
 * `embeddings.ts`), or an embeddings service for users who want a stronger model — Ollama's
 * `/api/embed` or any OpenAI-compatible `/embeddings` endpoint. Configured under
 * `search.embeddings` (see `src/config/config.ts`).
 *
 * @module
 */
import { CrucibleError } from "../errors.ts";
import { type EmbeddableNote, normalise, WordVectorEmbedder } from "./embeddings.ts";
import { loadVocabulary, type Vocabulary } from "./vocabulary.ts";

/** Which embeddings to use, as the config says. */
export interface EmbeddingSettings {
  /** `builtin` (default), `ollama` or `openai`. */
  provider: "builtin" | "ollama" | "openai";
  /** The cache folder holding the built-in word vectors (`~/.cache/crucible`). */
  cacheDir?: string;
  /** Service URL. Default `http://localhost:11434` (ollama), `https://api.openai.com/v1`. */
  url?: string;
  /** Model name. Default `nomic-embed-text` (ollama), `text-embedding-3-small` (openai). */
  model?: string;
  /** Environment variable holding the API key (openai). Default `OPENAI_API_KEY`. */
  apiKeyEnv?: string;
  /** Texts per request. Default 32. */
  batchSize?: number;
  /** Time allowed per request, ms. Default 60 000. */
  timeoutMs?: number;
}

/** Something that turns notes and queries into unit vectors. */
export interface EmbeddingProvider {
  /** Identity of the vectors (stored in the index; another model's vectors are re-made). */
  readonly model: string;
  /** The built-in embedder, which can also run synchronously while indexing. */
  readonly builtin: WordVectorEmbedder | null;
  /** Vectors of notes, in order (null for a note with nothing to embed). */
  embedNotes(notes: readonly EmbeddableNote[]): Promise<(Float32Array | null)[]>;
  /** Vector of a search query (null when it has nothing to embed). */
  embedQuery(text: string): Promise<Float32Array | null>;
}

/** Characters of a note sent to a service: embedding models read a few thousand tokens. */
const MAX_REMOTE_CHARS = 8000;

const embedders = new Map<string, WordVectorEmbedder>();

/**
 * The built-in embedder over the vocabulary cached in `cacheDir` (compacted on first use; one
 * per process and folder).
 */
export function builtinEmbedder(
  cacheDir: string,
  options: { onCompact?: () => void } = {},
): WordVectorEmbedder {
  let e = embedders.get(cacheDir);
  if (!e) {
    const vocabulary: Vocabulary = loadVocabulary(cacheDir, {
      shared: true,
      onCompact: options.onCompact,
    });
    e = new WordVectorEmbedder(vocabulary);
    embedders.set(cacheDir, e);
  }
  return e;
}

/** The provider the settings describe. */
export function embeddingProvider(
  settings: EmbeddingSettings,
  options: { onCompact?: () => void } = {},
): EmbeddingProvider {
  if (settings.provider === "builtin") {
    if (!settings.cacheDir) {
      throw new CrucibleError(
        "E_CONFIG",
        "the built-in embeddings need a cache folder for their word vectors: set HOME or " +
          "XDG_CACHE_HOME",
      );
    }
    const e = builtinEmbedder(settings.cacheDir, options);
    return {
      model: e.model,
      builtin: e,
      embedNotes: (notes) => Promise.resolve(notes.map((n) => e.embedNote(n))),
      embedQuery: (text) => Promise.resolve(e.embedText(text)),
    };
  }
  return remoteProvider(settings);
}

function remoteProvider(settings: EmbeddingSettings): EmbeddingProvider {
  const kind = settings.provider;
  const url = (settings.url ??
    (kind === "ollama" ? "http://localhost:11434" : "https://api.openai.com/v1")).replace(
      /\/+$/,
      "",
    );
  const model = settings.model ??
    (kind === "ollama" ? "nomic-embed-text" : "text-embedding-3-small");
  const batch = Math.max(1, settings.batchSize ?? 32);
  const endpoint = kind === "ollama" ? `${url}/api/embed` : `${url}/embeddings`;
  const request = async (texts: string[]): Promise<number[][]> => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (kind === "openai") {
      const env = settings.apiKeyEnv ?? "OPENAI_API_KEY";
      let key: string | undefined;
      try {
        key = Deno.env.get(env);
      } catch { /* no env permission */ }
      if (key) headers.authorization = `Bearer ${key}`;
      else if (settings.apiKeyEnv !== undefined) {
        throw new CrucibleError(
          "E_CONFIG",
          `search.embeddings.api_key_env names ${env}, which is not set: set it to the API key`,
        );
      }
    }
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify({ model, input: texts }),
        signal: AbortSignal.timeout(settings.timeoutMs ?? 60_000),
      });
    } catch (e) {
      throw new CrucibleError(
        "E_NETWORK",
        `cannot reach the ${kind} embeddings service at ${endpoint} ` +
          `(${(e as Error).message.split("\n")[0]}): start it, or fix search.embeddings.url ` +
          "in config.yaml, or set search.embeddings.provider to builtin",
        { cause: e },
      );
    }
    const body = await res.text();
    if (!res.ok) {
      throw new CrucibleError(
        "E_NETWORK",
        `the ${kind} embeddings service at ${endpoint} answered ${res.status}: ` +
          `${body.slice(0, 200)}; check search.embeddings.model (${model})` +
          (kind === "openai" ? " and search.embeddings.api_key_env" : ""),
      );
    }
    let vectors: unknown;
    try {
      const json = JSON.parse(body);
      vectors = kind === "ollama"
        ? json.embeddings
        : (json.data as { index: number; embedding: number[] }[])
          .toSorted((a, b) => a.index - b.index).map((d) => d.embedding);
    } catch { /* reported below */ }
    if (
      !Array.isArray(vectors) || vectors.length !== texts.length ||
      !vectors.every((v) => Array.isArray(v) && v.length > 0 && v.every(Number.isFinite))
    ) {
      throw new CrucibleError(
        "E_NETWORK",
        `the ${kind} embeddings service at ${endpoint} did not answer with one vector per text; ` +
          "check search.embeddings.url points at an embeddings endpoint",
      );
    }
    return vectors as number[][];
  };
  const embedTexts = async (texts: string[]): Promise<(Float32Array | null)[]> => {
    const out: (Float32Array | null)[] = new Array(texts.length).fill(null);
    const todo = texts.map((t, i) => ({ t: t.trim(), i })).filter((x) => x.t !== "");
    for (let k = 0; k < todo.length; k += batch) {
      const part = todo.slice(k, k + batch);
      const vectors = await request(part.map((x) => x.t));
      part.forEach((x, j) => (out[x.i] = normalise(Float32Array.from(vectors[j]))));
    }
    return out;
  };
  return {
    model: `${kind}:${model}`,
    builtin: null,
    embedNotes: (notes) =>
      embedTexts(
        notes.map((n) =>
          [n.title, n.tags.join(" "), n.body].filter((s) => s !== "").join("\n\n").slice(
            0,
            MAX_REMOTE_CHARS,
          )
        ),
      ),
    embedQuery: async (text) => (await embedTexts([text]))[0],
  };
}
