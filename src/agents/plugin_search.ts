/**
 * Finding a plugin by what it does: full-text scoring over each plugin's name, tags, description,
 * parameters and docs (BM25F: per-field weights, stemmed words), blended with the cosine of the
 * query's and the plugin's vectors from the kiln's embeddings, so "roll some dice for my game"
 * finds `dice-roller` and "parse references" finds the BibTeX plugins.
 *
 * @module
 */
import { porterStem } from "../kiln/porter.ts";
import type { EmbeddingProvider } from "../kiln/embedding_providers.ts";
import type { ResolvedPlugin } from "../plugins/registry.ts";

/** One ranked plugin. */
export interface PluginMatch {
  /** Plugin name. */
  name: string;
  /** Blended score, 0 to 1. */
  score: number;
  /** Full-text part, 0 to 1 (relative to the best match). */
  text: number;
  /** Semantic part, 0 to 1 (relative to the spread of the candidates), or null without vectors. */
  semantic: number | null;
  /** Query words found in the plugin's text (stemmed). */
  matched: string[];
}

/** Field weights: the name and tags say most about what a plugin is for. */
const FIELDS = { name: 4, tags: 3, description: 2, parameters: 1, docs: 1 } as const;
type Field = keyof typeof FIELDS;
/** Share of the semantic score in the blend (full text decides between close candidates). */
const SEMANTIC_SHARE = 0.35;
/** BM25 saturation: a word's tenth occurrence adds little. */
const K1 = 1.2;
/** Characters of docs read per plugin. */
const MAX_DOCS = 8000;

const STOP = new Set(
  ("a an and are as at be by can do for from get give has have how i in into is it its me my " +
    "of on or our please some that the their them this to up us want we what which with would " +
    "you your").split(" "),
);

/** Stemmed content words of a text. */
export function searchWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = m[0];
    if (w.length < 2 || STOP.has(w)) continue;
    out.push(porterStem(w));
  }
  return out;
}

interface Indexed {
  plugin: ResolvedPlugin;
  fields: Record<Field, Map<string, number>>;
  /** Text given to the embeddings. */
  embed: { title: string; tags: string[]; body: string };
}

function counts(words: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of words) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

function indexPlugin(p: ResolvedPlugin): Indexed {
  const m = p.manifest;
  const params = Object.entries(m?.parameters ?? {}).map(([k, v]) =>
    `${k.replaceAll("_", " ")} ${v.description ?? ""}`
  ).join(" ");
  const tags = m?.tags ?? [];
  const docs = (m?.docs ?? "").slice(0, MAX_DOCS);
  return {
    plugin: p,
    fields: {
      name: counts(searchWords(p.name.replaceAll("-", " "))),
      tags: counts(searchWords(tags.join(" ").replace(/[/_-]/g, " "))),
      description: counts(searchWords(m?.description ?? "")),
      parameters: counts(searchWords(params)),
      docs: counts(searchWords(docs)),
    },
    embed: {
      title: `${p.name.replaceAll("-", " ")}. ${m?.description ?? ""}`,
      tags,
      body: `${params}\n${docs}`,
    },
  };
}

/**
 * Ranks plugins by a query. Keeps each plugin's words and vector until its file changes (keyed
 * by content hash), so a search over an unchanged registry only embeds the query.
 *
 * @example
 * ```ts ignore
 * import { PluginSearch } from "./plugin_search.ts";
 * const search = new PluginSearch(() => provider);
 * const [best] = await search.search(registry.list(), "roll some dice for my game");
 * best.name; // "dice-roller"
 * ```
 */
export class PluginSearch {
  #provider: () => EmbeddingProvider | null;
  #indexed = new Map<string, Indexed>();
  #vectors = new Map<string, Float32Array | null>();
  #model: string | null = null;

  /** @param provider where vectors come from; null (or a throw) searches by text alone */
  constructor(provider: () => EmbeddingProvider | null) {
    this.#provider = provider;
  }

  #index(p: ResolvedPlugin): Indexed {
    const key = `${p.name}|${p.hash}`;
    let e = this.#indexed.get(key);
    if (!e) this.#indexed.set(key, e = indexPlugin(p));
    return e;
  }

  /** The plugins best matching `query`, best first; only those with any match. */
  async search(
    plugins: readonly ResolvedPlugin[],
    query: string,
    limit = 5,
  ): Promise<PluginMatch[]> {
    const docs = plugins.filter((p) => p.valid).map((p) => this.#index(p));
    const terms = [...new Set(searchWords(query))];
    const text = textScores(docs, terms);
    const semantic = await this.#semantic(docs, query);
    const maxText = Math.max(0, ...text.map((t) => t.score));
    const cos = semantic?.filter((c) => c !== null) as number[] | undefined;
    const lo = cos?.length ? Math.min(...cos) : 0;
    const hi = cos?.length ? Math.max(...cos) : 0;
    const matches: PluginMatch[] = docs.map((d, i) => {
      const t = maxText > 0 ? text[i].score / maxText : 0;
      const c = semantic?.[i];
      const s = c === null || c === undefined ? null : hi > lo ? (c - lo) / (hi - lo) : 0;
      const score = s === null ? t : (1 - SEMANTIC_SHARE) * t + SEMANTIC_SHARE * s;
      return {
        name: d.plugin.name,
        score: Math.round(score * 1e4) / 1e4,
        text: Math.round(t * 1e4) / 1e4,
        semantic: s === null ? null : Math.round(s * 1e4) / 1e4,
        matched: text[i].matched,
      };
    });
    // A plugin that shares no word with the query must be close in meaning to be listed.
    return matches
      .filter((m) => m.text > 0 || (m.semantic ?? 0) >= 0.75)
      .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : 1))
      .slice(0, limit);
  }

  async #semantic(docs: Indexed[], query: string): Promise<(number | null)[] | null> {
    let provider: EmbeddingProvider | null;
    try {
      provider = this.#provider();
      if (!provider) return null;
      if (provider.model !== this.#model) {
        this.#vectors.clear();
        this.#model = provider.model;
      }
      const missing = docs.filter((d) => !this.#vectors.has(d.plugin.hash));
      if (missing.length) {
        const vs = await provider.embedNotes(missing.map((d) => d.embed));
        missing.forEach((d, i) => this.#vectors.set(d.plugin.hash, vs[i]));
      }
      const q = await provider.embedQuery(query);
      if (!q) return null;
      return docs.map((d) => {
        const v = this.#vectors.get(d.plugin.hash);
        if (!v) return null;
        let dot = 0;
        for (let k = 0; k < q.length; k++) dot += q[k] * v[k];
        return dot;
      });
    } catch {
      return null; // no vectors on this machine (or the service is down): full text alone
    }
  }
}

/** BM25F over the fields, one score per document. */
function textScores(docs: Indexed[], terms: string[]): { score: number; matched: string[] }[] {
  const n = docs.length;
  const df = new Map<string, number>();
  for (const t of terms) {
    df.set(t, docs.filter((d) => Object.values(d.fields).some((f) => f.has(t))).length);
  }
  return docs.map((d) => {
    let score = 0;
    const matched: string[] = [];
    for (const t of terms) {
      const f = df.get(t)!;
      if (f === 0) continue;
      let tf = 0;
      for (const [field, weight] of Object.entries(FIELDS) as [Field, number][]) {
        tf += weight * (d.fields[field].get(t) ?? 0);
      }
      if (tf === 0) continue;
      matched.push(t);
      const idf = Math.log(1 + (n - f + 0.5) / (f + 0.5));
      score += idf * (tf * (K1 + 1)) / (tf + K1);
    }
    return { score, matched };
  });
}
