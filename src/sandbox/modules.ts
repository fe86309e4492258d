/**
 * WebAssembly the engines need, compiled once per process on the host and handed to every worker
 * (workers have no read permission for the runtime's own files, and compiling once is faster).
 *
 * @module
 */
let lua: Promise<WebAssembly.Module> | null = null;

/** wasmoon's glue.wasm, compiled. */
export function luaModule(): Promise<WebAssembly.Module> {
  lua ??= (async () => {
    const url = new URL("./glue.wasm", import.meta.resolve("wasmoon"));
    return await WebAssembly.compile(await Deno.readFile(url));
  })();
  return lua;
}

/** Every engine module, by the name engines look them up under. */
export async function engineModules(): Promise<Record<string, WebAssembly.Module>> {
  return { lua: await luaModule() };
}
