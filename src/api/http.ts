/**
 * `http.request` on the host: the scheme must match a Network capability of the grant, the host
 * must be in its list, every redirect is checked again, and the response is limited in size and
 * time.
 *
 * @module
 */
import { CrucibleError, InvalidParamsError } from "../errors.ts";
import type { Json } from "../runtime/protocol.ts";

/** Decides whether a URL may be fetched; throws E_CAPABILITY when not. */
export type UrlCheck = (url: URL) => void;

/** Limits of one request. */
export interface HttpLimits {
  /** Largest response body, bytes. */
  maxBytes: number;
  /** Longest wait, ms. */
  timeoutMs: number;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Perform the request; the result is `{status, headers, body}` with the body as text. */
export async function httpRequest(
  urlArg: Json,
  optionsArg: Json | undefined,
  check: UrlCheck,
  limits: HttpLimits,
): Promise<Json> {
  if (typeof urlArg !== "string") {
    throw new InvalidParamsError("http.request(url) needs a URL string");
  }
  let url: URL;
  try {
    url = new URL(urlArg);
  } catch {
    throw new InvalidParamsError(`${JSON.stringify(urlArg)} is not a URL`);
  }
  const o = (optionsArg && typeof optionsArg === "object" && !Array.isArray(optionsArg))
    ? optionsArg
    : {};
  const method = String(o.method ?? "GET").toUpperCase();
  if (!METHODS.has(method)) throw new InvalidParamsError(`HTTP method ${method} is not supported`);
  const headers = new Headers();
  if (o.headers && typeof o.headers === "object" && !Array.isArray(o.headers)) {
    for (const [k, v] of Object.entries(o.headers)) headers.set(k, String(v));
  }
  const body = o.body === undefined || o.body === null
    ? undefined
    : typeof o.body === "string"
    ? o.body
    : JSON.stringify(o.body);
  const timeoutMs = Math.min(
    limits.timeoutMs,
    typeof o.timeout === "number" ? o.timeout : Infinity,
  );
  const signal = AbortSignal.timeout(timeoutMs);
  let current = url;
  for (let hop = 0; hop <= 5; hop++) {
    check(current);
    let res: Response;
    try {
      res = await fetch(current, { method, headers, body, redirect: "manual", signal });
    } catch (e) {
      if (signal.aborted) {
        throw new CrucibleError(
          "E_TIMEOUT",
          `HTTP request to ${current.host} took longer than ${timeoutMs} ms`,
        );
      }
      throw new CrucibleError(
        "E_NETWORK",
        `HTTP request to ${current.host} failed: ${(e as Error).message}`,
      );
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current);
      continue;
    }
    const text = await readLimited(res, limits.maxBytes, current);
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers.entries()),
      body: text,
    };
  }
  throw new CrucibleError("E_NETWORK", `too many redirects from ${url.href}`);
}

async function readLimited(res: Response, maxBytes: number, url: URL): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new CrucibleError(
        "E_FILE_TOO_LARGE",
        `the response from ${url.host} is over the ${maxBytes}-byte limit`,
      );
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}
