import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  grantKey,
  hostAllowed,
  isDefaultGranted,
  riskOf,
  workerPermissions,
} from "../../src/security/mod.ts";

const NEVER = { write: false, run: false, ffi: false, env: false, sys: false, import: false };

Deno.test("the default grant (KilnRead) reads the kiln and nothing else", () => {
  deepStrictEqual(workerPermissions([{ name: "KilnRead" }], { kilnRoot: "/k" }), {
    read: ["/k"],
    net: false,
    ...NEVER,
  });
});

Deno.test("no capability at all: no read, no net", () => {
  deepStrictEqual(workerPermissions([], { kilnRoot: "/k" }), { read: false, net: false, ...NEVER });
});

Deno.test("FsRead adds its paths (with ~ expanded); network adds exact hosts only", () => {
  deepStrictEqual(
    workerPermissions([
      { name: "KilnRead" },
      { name: "FsRead", paths: ["~/papers", "/data/bib"] },
      { name: "NetworkHttps", hosts: ["api.crossref.org", "*.example.org"] },
      { name: "NetworkHttp", hosts: ["localhost:8080", "api.crossref.org"] },
    ], { kilnRoot: "/k", home: "/home/u" }),
    {
      read: ["/k", "/home/u/papers", "/data/bib"],
      net: ["api.crossref.org", "localhost:8080"],
      ...NEVER,
    },
  );
});

Deno.test("host-side capabilities never widen the worker's permissions", () => {
  deepStrictEqual(
    workerPermissions([
      { name: "KilnWrite" },
      { name: "FsWrite", paths: ["/tmp/out"] },
      { name: "PluginInvoke", plugins: null },
      { name: "StateManage", scope: "global" },
      { name: "Unsafe" },
    ], { kilnRoot: "/k" }),
    { read: false, net: false, ...NEVER },
  );
});

Deno.test("risk levels and defaults", () => {
  strictEqual(riskOf({ name: "KilnRead" }), "low");
  strictEqual(riskOf({ name: "StateManage", scope: "plugin" }), "low");
  strictEqual(riskOf({ name: "StateManage", scope: "kiln" }), "high");
  strictEqual(riskOf({ name: "KilnWrite" }), "high");
  strictEqual(riskOf({ name: "NetworkHttps", hosts: ["a.org"] }), "high");
  strictEqual(riskOf({ name: "Unsafe" }), "critical");
  strictEqual(isDefaultGranted({ name: "KilnRead" }), true);
  strictEqual(isDefaultGranted({ name: "KilnWrite" }), false);
});

Deno.test("host patterns: exact, with port, and *.domain", () => {
  strictEqual(hostAllowed(["api.x.org"], "api.x.org", "443"), true);
  strictEqual(hostAllowed(["api.x.org"], "API.X.ORG", "8443"), true);
  strictEqual(hostAllowed(["api.x.org"], "evil-api.x.org", "443"), false);
  strictEqual(hostAllowed(["localhost:8080"], "localhost", "8080"), true);
  strictEqual(hostAllowed(["localhost:8080"], "localhost", "9090"), false);
  strictEqual(hostAllowed(["*.x.org"], "a.b.x.org", "443"), true);
  strictEqual(hostAllowed(["*.x.org"], "x.org", "443"), false);
  strictEqual(hostAllowed(["*.x.org"], "evilx.org", "443"), false);
});

Deno.test("grant keys are stable and scope-sensitive", () => {
  strictEqual(
    grantKey([{ name: "KilnWrite" }, { name: "KilnRead" }]),
    grantKey([{ name: "KilnRead" }, { name: "KilnWrite" }]),
  );
  strictEqual(
    grantKey([{ name: "NetworkHttps", hosts: ["a.org"] }]) ===
      grantKey([{ name: "NetworkHttps", hosts: ["b.org"] }]),
    false,
  );
});
