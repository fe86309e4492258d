/**
 * One word-vector cache for the whole test run (and later runs): compacting the vectors takes
 * about a second, so every test that needs them shares this folder under the system's temporary
 * folder instead of paying for it again. Never the real home directory.
 *
 * @module
 */
import * as path from "node:path";
import { tmpdir } from "node:os";
import type { EmbeddingSettings } from "../../src/kiln/embedding_providers.ts";

/** An `XDG_CACHE_HOME` for `cru` subprocesses that need the word vectors. */
export const SHARED_XDG_CACHE = path.join(tmpdir(), "cru-test-shared-cache");

/** The cru cache folder inside it (what `cacheDir()` gives with that XDG_CACHE_HOME). */
export const SHARED_CACHE_DIR = path.join(SHARED_XDG_CACHE, "crucible");

/** Built-in embedding settings over the shared cache. */
export const BUILTIN: EmbeddingSettings = { provider: "builtin", cacheDir: SHARED_CACHE_DIR };
