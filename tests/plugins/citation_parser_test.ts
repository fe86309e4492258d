/**
 * The built-in citation-parser plugin (plugins/citation-parser.lua), run for real: loaded the way
 * discovery loads built-in plugins, invoked through the sandbox runner in a wasmoon worker, over
 * temporary kilns on disk. Expected outputs are exact.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { parseFrontmatter } from "../../src/kiln/frontmatter.ts";
import { loadPluginFile, type ResolvedPlugin } from "../../src/plugins/registry.ts";
import { REPO, runCru, runCruJson, tempDemoKiln, type TempKiln, tempKiln } from "../helpers.ts";
import { fixedApprover, testRunner } from "../sandbox/sandbox_helpers.ts";

const PLUGIN_FILE = path.join(REPO, "plugins", "citation-parser.lua");
const PLUGIN: ResolvedPlugin = { ...(await loadPluginFile(PLUGIN_FILE, "builtin")), shadows: [] };
const BIB = path.join(REPO, "tests", "fixtures", "bib");

type Name = { first: string; last: string; full: string; jr?: string; others?: boolean };
interface Citation {
  type: string;
  key: string;
  title?: string;
  authors: Name[];
  editors?: Name[];
  year?: number | string;
  venue?: string;
  doi?: string;
  url?: string;
  fields: Record<string, string>;
}
interface Skip {
  key: string;
  path: string;
  reason: string;
}
interface Parsed {
  entries: Citation[];
  created: string[];
  skipped: Skip[];
  warnings: string[];
}

/**
 * Every list of the result is a JSON array, empty ones too: the manifest's `returns` declares
 * them arrays, so the empty Lua tables cross as `[]`, not `{}`.
 */
function list<T>(value: unknown, what: string): T[] {
  ok(Array.isArray(value), `${what} is ${JSON.stringify(value)}, not a list`);
  return value as T[];
}

function parsed(value: unknown): Parsed {
  const v = value as Record<string, unknown>;
  deepStrictEqual(Object.keys(v).sort(), ["created", "entries", "skipped", "warnings"]);
  const entries = list<Record<string, unknown>>(v.entries, "entries").map((e) => ({
    ...e,
    authors: list<Name>(e.authors, "authors"),
    ...(e.editors === undefined ? {} : { editors: list<Name>(e.editors, "editors") }),
  })) as unknown as Citation[];
  return {
    entries,
    created: list(v.created, "created"),
    skipped: list(v.skipped, "skipped"),
    warnings: list(v.warnings, "warnings"),
  };
}

/** One invocation through a fresh runner; KilnWrite is approved unless `approve` says otherwise. */
async function run(
  kiln: TempKiln,
  params: Record<string, unknown>,
  options: { approve?: string[]; plugin?: ResolvedPlugin } = {},
) {
  const approver = fixedApprover(options.approve ?? ["KilnWrite"]);
  const { runner } = testRunner(kiln, { approver });
  try {
    const result = await runner.invoke({ plugin: options.plugin ?? PLUGIN, params });
    return { result, asked: approver.asked };
  } finally {
    runner.close();
  }
}

async function parse(params: Record<string, unknown>, kiln?: TempKiln): Promise<Parsed> {
  const own = kiln ? null : tempKiln();
  try {
    const { result } = await run(kiln ?? own!, params);
    strictEqual(result.ok, true, JSON.stringify(result.error));
    return parsed(result.value);
  } finally {
    own?.[Symbol.dispose]();
  }
}

function parseText(text: string): Promise<Parsed> {
  return parse({ text });
}

function fixture(name: string): string {
  return Deno.readTextFileSync(path.join(BIB, name));
}

/** Every file under the kiln (but .crucible/) with its content, to prove nothing changed. */
function snapshot(root: string): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
      const abs = path.join(dir, e.name);
      if (e.name === ".crucible") continue;
      if (e.isDirectory) walk(abs);
      else out.push(`${abs}:${Deno.readTextFileSync(abs)}`);
    }
  };
  walk(root);
  return out.join("\n");
}

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

function readNote(kiln: TempKiln, rel: string) {
  const text = Deno.readTextFileSync(path.join(kiln.root, rel));
  const fm = parseFrontmatter(text, rel);
  deepStrictEqual(fm.diagnostics, []);
  return { data: fm.data, body: fm.body };
}

const name = (first: string, last: string, full = `${first} ${last}`): Name => ({
  first,
  last,
  full,
});

// ---------------------------------------------------------------------------------------------
// The plugin file itself
// ---------------------------------------------------------------------------------------------

Deno.test("the plugin loads as a valid built-in with the documented manifest", () => {
  strictEqual(PLUGIN.valid, true, JSON.stringify(PLUGIN.problems));
  deepStrictEqual(PLUGIN.problems, []);
  const m = PLUGIN.manifest!;
  strictEqual(m.name, "citation-parser");
  strictEqual(m.version, "1.0.0");
  deepStrictEqual(m.capabilities.map((c) => c.name), ["KilnRead", "KilnWrite"]);
  deepStrictEqual(
    Object.fromEntries(
      Object.entries(m.parameters).map(([k, p]) => [k, [p.type, p.required, p.default]]),
    ),
    {
      path: ["string", false, undefined],
      text: ["string", false, undefined],
      create_notes: ["boolean", false, false],
      folder: ["string", false, "references"],
      overwrite: ["boolean", false, false],
    },
  );
});

Deno.test("cru plugins validate accepts the file", async () => {
  const r = await runCru(["plugins", "validate", "plugins/citation-parser.lua"]);
  strictEqual(r.code, 0, r.stderr + r.stdout);
  match(r.stdout, /valid citation-parser 1\.0\.0/);
});

Deno.test("the manifest's examples are true", async () => {
  const examples = PLUGIN.manifest!.examples;
  ok(examples.length >= 2);
  using kiln = tempKiln();
  for (const example of examples) {
    const { result } = await run(kiln, example.input);
    if (example.error) strictEqual(result.error?.code, example.error);
    else deepStrictEqual(result.value, example.output, JSON.stringify(result.error));
  }
});

// ---------------------------------------------------------------------------------------------
// Real exports
// ---------------------------------------------------------------------------------------------

Deno.test("a Zotero export: tabs, protective braces, month macros, an organisation as author", async () => {
  const r = await parseText(fixture("zotero.bib"));
  deepStrictEqual(r.warnings, []);
  deepStrictEqual(r.entries.map((e) => e.key), [
    "karpicke_critical_2008",
    "lewis_retrieval-augmented_2020",
    "world_health_organization_global_2021",
    "vaswani_attention_2023",
  ]);
  deepStrictEqual(r.entries[0], {
    type: "article",
    key: "karpicke_critical_2008",
    title: "The Critical Importance of Retrieval for Learning",
    authors: [name("Jeffrey D.", "Karpicke"), name("Henry L.", "Roediger")],
    year: 2008,
    venue: "Science",
    doi: "10.1126/science.1152408",
    url: "https://www.science.org/doi/10.1126/science.1152408",
    fields: {
      title: "The {Critical} {Importance} of {Retrieval} for {Learning}",
      volume: "319",
      issn: "0036-8075, 1095-9203",
      url: "https://www.science.org/doi/10.1126/science.1152408",
      doi: "10.1126/science.1152408",
      language: "en",
      number: "5865",
      urldate: "2026-10-20",
      journal: "Science",
      author: "Karpicke, Jeffrey D. and Roediger, Henry L.",
      month: "February",
      year: "2008",
      pages: "966--968",
      file: "Full Text:/home/ana/Zotero/storage/ABCD1234/Karpicke and Roediger - 2008.pdf:" +
        "application/pdf",
    },
  });
  const lewis = r.entries[1];
  strictEqual(lewis.title, "Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks");
  strictEqual(lewis.venue, "Advances in Neural Information Processing Systems");
  strictEqual(lewis.authors.length, 12);
  deepStrictEqual(lewis.authors[6], name("Heinrich", "Küttler"));
  deepStrictEqual(lewis.authors[8], name("Wen-tau", "Yih"));
  deepStrictEqual(lewis.authors[9], name("Tim", "Rocktäschel"));
  strictEqual(lewis.fields.author.includes('K{\\"u}ttler, Heinrich'), true);
  const who = r.entries[2];
  deepStrictEqual(who.authors, [
    name("", "World Health Organization", "World Health Organization"),
  ]);
  strictEqual(who.title, "Global Strategy on Digital Health 2020–2025");
  strictEqual(who.venue, "World Health Organization");
  strictEqual(who.doi, undefined);
  const vaswani = r.entries[3];
  deepStrictEqual(
    [vaswani.type, vaswani.venue, vaswani.year, vaswani.doi, vaswani.fields.month],
    ["misc", "arXiv", 2023, "10.48550/arXiv.1706.03762", "August"],
  );
});

Deno.test("a DBLP export: keys with : and /, First Last names, editors, multi-line values", async () => {
  const r = await parseText(fixture("dblp.bib"));
  deepStrictEqual(r.warnings, []);
  const [nips, jacm, corr] = r.entries;
  strictEqual(nips.key, "DBLP:conf/nips/VaswaniSPUJGKP17");
  strictEqual(nips.title, "Attention is All you Need");
  deepStrictEqual(nips.authors.map((a) => a.full), [
    "Ashish Vaswani",
    "Noam Shazeer",
    "Niki Parmar",
    "Jakob Uszkoreit",
    "Llion Jones",
    "Aidan N. Gomez",
    "Lukasz Kaiser",
    "Illia Polosukhin",
  ]);
  deepStrictEqual(nips.authors[5], name("Aidan N.", "Gomez"));
  deepStrictEqual(nips.editors?.[1], name("Ulrike", "von Luxburg"));
  deepStrictEqual(nips.editors?.[5], name("S. V. N.", "Vishwanathan"));
  strictEqual(
    nips.venue,
    "Advances in Neural Information Processing Systems 30: Annual Conference on Neural " +
      "Information Processing Systems 2017, December 4-9, 2017, Long Beach, CA, USA",
  );
  strictEqual(
    nips.fields.booktitle,
    "Advances in Neural Information Processing Systems 30: Annual Conference on Neural " +
      "Information Processing Systems 2017, December 4-9, 2017, Long Beach, CA, {USA}",
  );
  strictEqual(nips.fields.bibsource, "dblp computer science bibliography, https://dblp.org");
  deepStrictEqual(
    [jacm.key, jacm.venue, jacm.year, jacm.doi, jacm.url],
    [
      "DBLP:journals/jacm/Kleinberg99",
      "J. ACM",
      1999,
      "10.1145/324133.324140",
      "https://doi.org/10.1145/324133.324140",
    ],
  );
  deepStrictEqual(jacm.authors, [name("Jon M.", "Kleinberg")]);
  deepStrictEqual(corr.authors[6], name("Heinrich", "Küttler"));
  deepStrictEqual(corr.authors[8], name("Wen-tau", "Yih"));
  deepStrictEqual([corr.venue, corr.fields.volume], ["CoRR", "abs/2005.11401"]);
});

Deno.test("a Google Scholar export: no spaces around =, lowercase titles kept as written", async () => {
  const r = await parseText(fixture("scholar.bib"));
  deepStrictEqual(r.warnings, []);
  deepStrictEqual(r.entries[0], {
    type: "article",
    key: "brin1998anatomy",
    title: "The anatomy of a large-scale hypertextual web search engine",
    authors: [name("Sergey", "Brin"), name("Lawrence", "Page")],
    year: 1998,
    venue: "Computer networks and ISDN systems",
    fields: {
      title: "The anatomy of a large-scale hypertextual web search engine",
      author: "Brin, Sergey and Page, Lawrence",
      journal: "Computer networks and ISDN systems",
      volume: "30",
      number: "1-7",
      pages: "107--117",
      year: "1998",
      publisher: "Elsevier",
    },
  });
  deepStrictEqual(r.entries.map((e) => [e.key, e.type, e.year, e.venue]), [
    ["brin1998anatomy", "article", 1998, "Computer networks and ISDN systems"],
    [
      "settles2016trainable",
      "inproceedings",
      2016,
      "Proceedings of the 54th annual meeting of the association for computational " +
      "linguistics (volume 1: long papers)",
    ],
    ["ebbinghaus2013memory", "article", 2013, "Annals of neurosciences"],
  ]);
});

// ---------------------------------------------------------------------------------------------
// Syntax
// ---------------------------------------------------------------------------------------------

Deno.test("syntax: delimiters, quotes, numbers, macros, #, comments and text between entries", async () => {
  const r = await parseText(
    `This file was exported on 2026-11-02; mail corrections to ana@example.org.

% Comment lines are skipped, even with an entry in them: @article{commented, title = {No}}
@preamble{ "\\newcommand{\\noopsort}[1]{}" # "\\newcommand{\\printfirst}[2]{#1}" }
@comment{jabref-meta: databaseType:bibtex; @article{in-comment, title = {No}}}
@String{procs = "Proceedings of the "}
@string(acl = {Annual Meeting of the } # "Association for Computational Linguistics")
@STRING{jan = "Janvier"}

@InProceedings(smith:2020-a_b.c/d,
  Title = "Parsing {BibTeX} with {\\"o}bvious {"}quotes{"} and {Nested {Braces}}",
  BOOKTITLE = procs # acl,
  year = 2020,
  month = jan,
  pages = "1--10",
)

Free text between entries is ignored.

@article{jones2021,
  % a commented-out field: note = {ignored},
  title = {A title
           that spans
     three lines},
  author = "Jones, Ann",
  journal = "Part " # mar # { issue},
  year = {2021},
  volume = 7
}
@misc{onlykey}
`,
  );
  deepStrictEqual(r.warnings, []);
  deepStrictEqual(r.entries, [
    {
      type: "inproceedings",
      key: "smith:2020-a_b.c/d",
      title: 'Parsing BibTeX with öbvious "quotes" and Nested Braces',
      authors: [],
      year: 2020,
      venue: "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
      fields: {
        title: 'Parsing {BibTeX} with {\\"o}bvious {"}quotes{"} and {Nested {Braces}}',
        booktitle:
          "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
        year: "2020",
        month: "Janvier",
        pages: "1--10",
      },
    },
    {
      type: "article",
      key: "jones2021",
      title: "A title that spans three lines",
      authors: [name("Ann", "Jones")],
      year: 2021,
      venue: "Part March issue",
      fields: {
        title: "A title that spans three lines",
        author: "Jones, Ann",
        journal: "Part March issue",
        year: "2021",
        volume: "7",
      },
    },
    { type: "misc", key: "onlykey", authors: [], fields: {} },
  ]);
});

Deno.test("syntax: Windows line endings and a key right before the closing delimiter", async () => {
  const r = await parseText(
    "@Article{win,\r\n  title = {Carriage\r\n returns},\r\n  year = 1999\r\n}\r\n@misc(paren)\r\n",
  );
  deepStrictEqual(r.warnings, []);
  deepStrictEqual(r.entries.map((e) => [e.key, e.title, e.year]), [
    ["win", "Carriage returns", 1999],
    ["paren", undefined, undefined],
  ]);
});

Deno.test("LaTeX in titles is cleaned for display; fields keep it as written", async () => {
  const cases: [string, string][] = [
    ["Schr{\\\"o}dinger's Cat", "Schrödinger's Cat"],
    ["\\'{e}t\\'e and {\\'E}cole", "été and École"],
    ["\\v{C}apek, Erd\\H{o}s, {\\L}{\\'o}d{\\'z}", "Čapek, Erdős, Łódź"],
    [
      'Fran{\\c{c}}ais, Fran{\\c c}ais, Pe\\~na, K{\\"{u}}ttler',
      "Français, Français, Peña, Küttler",
    ],
    ["na\\\"{\\i}ve Mart\\'{\\i}n Mart{\\'\\i}n", "naïve Martín Martín"],
    [
      'Stra{\\ss}e, Sm{\\o}rrebr{\\o}d, {\\aa}ngstr{\\"o}m, {\\AE}sir',
      "Straße, Smørrebrød, ångström, Æsir",
    ],
    [
      "Proc. \\& Trans., 50\\% faster, \\$5, C\\#, snake\\_case",
      "Proc. & Trans., 50% faster, $5, C#, snake_case",
    ],
    ["{BERT}: Pre-training of {Deep} {T}ransformers", "BERT: Pre-training of Deep Transformers"],
    ["pages 10--20 --- a range", "pages 10–20 — a range"],
    ["\\emph{Deep} \\textbf{learning} {\\em now} \\textsc{Ok}", "Deep learning now Ok"],
    ["$\\alpha$-helix and $\\beta$ sheets", "α-helix and β sheets"],
    ["``Quoted'' words", "“Quoted” words"],
    ["\\LaTeX\\ and \\TeX{} tips", "LaTeX and TeX tips"],
    ["non~breaking", "non breaking"],
    ["{\\noopsort{a}}Zebra \\href{https://x.org}{site}", "Zebra site"],
    ["Braces \\{kept\\} as text", "Braces {kept} as text"],
  ];
  const text = cases.map(([raw], i) => `@misc{t${i}, title = {${raw}}}`).join("\n");
  const r = await parseText(text);
  deepStrictEqual(r.warnings, []);
  deepStrictEqual(r.entries.map((e) => e.title), cases.map(([, clean]) => clean));
  deepStrictEqual(r.entries.map((e) => e.fields.title), cases.map(([raw]) => raw));
});

Deno.test("names: Last, First; First von Last; Jr; organisations; accents; and others", async () => {
  const authors = [
    "van der Waals, Johannes Diderik",
    "Ludwig van Beethoven",
    "{World Health Organization}",
    "{Barnes and Noble}",
    'M{\\"u}ller, J{\\"o}rg',
    "Roediger, III, Henry L.",
    "Fran{\\c c}ois Mart{\\'\\i}n",
    "Kaiser, {\\L}ukasz",
    "de la Fontaine, Jean",
    "Jean de la Fontaine",
    "Aristotle",
    '{\\"O}zt{\\"u}rk, Ay{\\c{s}}e',
    "Einstein,   A.",
    "others",
  ].join(" and ");
  const r = await parseText(
    `@book{names, author = {${authors}}, editor = "Doe, Jane AND Roe, R."}`,
  );
  deepStrictEqual(r.warnings, []);
  deepStrictEqual(r.entries[0].authors, [
    name("Johannes Diderik", "van der Waals"),
    name("Ludwig", "van Beethoven"),
    name("", "World Health Organization", "World Health Organization"),
    name("", "Barnes and Noble", "Barnes and Noble"),
    name("Jörg", "Müller"),
    { first: "Henry L.", last: "Roediger", jr: "III", full: "Henry L. Roediger III" },
    name("François", "Martín"),
    name("Łukasz", "Kaiser"),
    name("Jean", "de la Fontaine"),
    name("Jean", "de la Fontaine"),
    name("", "Aristotle", "Aristotle"),
    name("Ayşe", "Öztürk"),
    name("A.", "Einstein"),
    { first: "", last: "", full: "et al.", others: true },
  ]);
  deepStrictEqual(r.entries[0].editors, [name("Jane", "Doe"), name("R.", "Roe")]);
});

Deno.test("DOIs lose their resolver prefix; a doi.org url gives one; years are integers when numeric", async () => {
  const r = await parseText(`
@misc{d1, doi = {https://doi.org/10.1000/ABC.123}, year = 2020}
@misc{d2, doi = {http://dx.doi.org/10.1016/S0169-7552(98)00110-X}, year = {2019a}}
@misc{d3, doi = {doi:10.1145/324133.324140}, year = "in press"}
@misc{d4, doi = {10.1000/a\\_b}, date = {2021-06-15}}
@misc{d5, url = {https://doi.org/10.18653%2Fv1%2FP16-1174}, year = {{2018}}}
@misc{d6, doi = { 10.1000/xyz }, url = {https://example.org/paper\\_1}}
@misc{d7, howpublished = {\\url{https://example.org/report}}}
`);
  deepStrictEqual(r.warnings, []);
  deepStrictEqual(r.entries.map((e) => [e.key, e.doi, e.url, e.year]), [
    ["d1", "10.1000/ABC.123", undefined, 2020],
    ["d2", "10.1016/S0169-7552(98)00110-X", undefined, "2019a"],
    ["d3", "10.1145/324133.324140", undefined, "in press"],
    ["d4", "10.1000/a_b", undefined, 2021],
    ["d5", "10.18653/v1/P16-1174", "https://doi.org/10.18653%2Fv1%2FP16-1174", 2018],
    ["d6", "10.1000/xyz", "https://example.org/paper_1", undefined],
    ["d7", undefined, "https://example.org/report", undefined],
  ]);
});

// ---------------------------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------------------------

Deno.test("a malformed entry is skipped with a warning naming it; the others still parse", async () => {
  const r = await parseText(`@article{good1, title = {First}, year = 2001}

@article{broken,
  title = {Unbalanced {braces},
  year = 2002
}

@article{good2, title = {Second}, year = 2003}
@misc{noeq, title {X}}
@misc(good3, title = "Third")
@misc{nokey = {X}}
@misc{tail, title = {Never {closed}
`);
  deepStrictEqual(r.entries.map((e) => [e.key, e.title]), [
    ["good1", "First"],
    ["good2", "Second"],
    ["good3", "Third"],
  ]);
  deepStrictEqual(r.warnings, [
    "line 3, entry broken: expected a field name, a comma or the closing }, found @ (is a " +
    "closing brace missing before it?) (line 8); the entry was skipped",
    "line 9, entry noeq: field title needs = after its name; the entry was skipped",
    "line 11: @misc has no citation key; the entry was skipped",
    "line 12, entry tail: a { is never closed (unbalanced braces); the entry was skipped",
  ]);
});

Deno.test("repairable problems are warnings and the entry is kept", async () => {
  const r = await parseText(`@string{conf = "Conf."}
@misc{a, title = {One} year = 2001, title = {Again}, month = smarch, venue = conf}
@misc{A, title = {Same key, other case}}
`);
  deepStrictEqual(r.entries.map((e) => [e.key, e.title, e.year, e.fields.month, e.fields.venue]), [
    ["a", "One", 2001, "", "Conf."],
  ]);
  deepStrictEqual(r.warnings, [
    "line 2, entry a: a comma is missing before field year",
    "line 2, entry a: field title is given twice; the first value was kept",
    "line 2, entry a: field month uses smarch, which no @string defines; it was read as empty text",
    "line 3, entry A: an earlier entry has the same key (keys ignore case); this one was skipped",
  ]);
});

Deno.test("text with no entries says so", async () => {
  const r = await parseText("Just prose, no @ entries here.\n");
  deepStrictEqual(r.entries, []);
  deepStrictEqual(r.warnings, [
    "no BibTeX entries found (an entry looks like @article{key, title = {...}})",
  ]);
});

// ---------------------------------------------------------------------------------------------
// Notes
// ---------------------------------------------------------------------------------------------

Deno.test("the demo kiln's paper notes: a note by path, titles and years as the notes state them", async () => {
  using kiln = tempDemoKiln();
  const vaswani = await parse({ path: "research/papers/Vaswani 2017.md" }, kiln);
  deepStrictEqual(vaswani.warnings, []);
  strictEqual(vaswani.entries.length, 1);
  const e = vaswani.entries[0];
  deepStrictEqual(
    [e.type, e.key, e.title, e.year, e.doi, e.venue],
    [
      "inproceedings",
      "vaswani2017attention",
      "Attention Is All You Need",
      2017,
      "10.48550/arXiv.1706.03762",
      "Advances in Neural Information Processing Systems 30",
    ],
  );
  deepStrictEqual(e.authors[6], name("Łukasz", "Kaiser"));

  // Every paper note's BibTeX agrees with the title and year its frontmatter states.
  const dir = path.join(kiln.root, "research", "papers");
  const files = [...Deno.readDirSync(dir)].map((f) => f.name).sort();
  strictEqual(files.length, 7);
  for (const file of files) {
    const fm = parseFrontmatter(Deno.readTextFileSync(path.join(dir, file)), file).data;
    const r = await parse({ path: `research/papers/${file}` }, kiln);
    deepStrictEqual(r.warnings, [], file);
    deepStrictEqual([r.entries.length, r.entries[0].title, r.entries[0].year], [
      1,
      fm.title,
      fm.year,
    ], file);
  }
});

Deno.test("a note's bibtex, bib and ~~~ blocks are parsed; other blocks are not", async () => {
  using kiln = tempKiln({
    "refs.md": [
      "---",
      "title: Refs",
      "---",
      "# Refs",
      "",
      "```bibtex",
      '@string{nips = "NeurIPS"}',
      "@misc{one, title = {One}, journal = nips}",
      "```",
      "",
      "```text",
      "@misc{not-this, title = {In a text block}}",
      "```",
      "",
      "~~~ bib",
      "@misc{two, title = {Two}, journal = nips}",
      "@misc{bad, title = {Bad}",
      "~~~",
      "",
      "````BibTeX",
      "@misc{three, abstract = {A fenced ```code``` span}}",
      "````",
    ].join("\n"),
  });
  const r = await parse({ path: "refs", text: "@misc{four, title = {Four}}" }, kiln);
  deepStrictEqual(r.entries.map((e) => [e.key, e.venue]), [
    ["one", "NeurIPS"],
    ["two", "NeurIPS"],
    ["three", undefined],
    ["four", undefined],
  ]);
  deepStrictEqual(r.warnings, [
    "refs.md, bibtex block 2, line 17, entry bad: the entry is never closed (no final }); " +
    "the entry was skipped",
  ]);
  kiln.write("plain.md", "# Plain\n\nNo references here.\n");
  const plain = await parse({ path: "plain.md" }, kiln);
  deepStrictEqual([plain.entries, plain.warnings], [[], [
    "plain.md has no ```bibtex blocks to parse",
  ]]);
});

// ---------------------------------------------------------------------------------------------
// Reference notes
// ---------------------------------------------------------------------------------------------

Deno.test("create_notes writes a reference note with frontmatter, byline, DOI link and the BibTeX", async () => {
  using kiln = tempDemoKiln();
  const source = Deno.readTextFileSync(path.join(kiln.root, "research/papers/Brin 1998.md"));
  const bibtex = /```bibtex\n([\s\S]*?)\n```/.exec(source)![1];
  const r = await parse({ path: "research/papers/Brin 1998.md", create_notes: true }, kiln);
  deepStrictEqual([r.created, r.skipped, r.warnings], [["references/brin1998anatomy.md"], [], []]);
  const note = readNote(kiln, "references/brin1998anatomy.md");
  deepStrictEqual(note.data, {
    type: "reference",
    citekey: "brin1998anatomy",
    title: "The Anatomy of a Large-Scale Hypertextual Web Search Engine",
    authors: ["Sergey Brin", "Lawrence Page"],
    year: 1998,
    venue: "Computer Networks and ISDN Systems",
    doi: "10.1016/S0169-7552(98)00110-X",
    tags: ["reference", "article"],
  });
  strictEqual(
    note.body,
    "# The Anatomy of a Large-Scale Hypertextual Web Search Engine\n\n" +
      "Sergey Brin, Lawrence Page · *Computer Networks and ISDN Systems* · 1998\n\n" +
      "DOI: [10.1016/S0169-7552(98)00110-X](https://doi.org/10.1016/S0169-7552%2898%2900110-X)\n\n" +
      "```bibtex\n" + bibtex + "\n```\n",
  );
});

Deno.test("create_notes from a .bib export: folder, URL line, organisation authors", async () => {
  using kiln = tempKiln();
  const r = await parse(
    { text: fixture("zotero.bib"), create_notes: true, folder: "/lit/zotero/" },
    kiln,
  );
  deepStrictEqual(r.created, [
    "lit/zotero/karpicke_critical_2008.md",
    "lit/zotero/lewis_retrieval-augmented_2020.md",
    "lit/zotero/world_health_organization_global_2021.md",
    "lit/zotero/vaswani_attention_2023.md",
  ]);
  const who = readNote(kiln, "lit/zotero/world_health_organization_global_2021.md");
  deepStrictEqual(who.data, {
    type: "reference",
    citekey: "world_health_organization_global_2021",
    title: "Global Strategy on Digital Health 2020–2025",
    authors: ["World Health Organization"],
    year: 2021,
    venue: "World Health Organization",
    url: "https://www.who.int/publications/i/item/9789240020924",
    tags: ["reference", "book"],
  });
  ok(
    who.body.startsWith(
      "# Global Strategy on Digital Health 2020–2025\n\n" +
        "World Health Organization · *World Health Organization* · 2021\n\n" +
        "URL: <https://www.who.int/publications/i/item/9789240020924>\n\n" +
        "```bibtex\n@book{world_health_organization_global_2021,\n\taddress = {Geneva},\n",
    ),
    who.body,
  );
  ok(!who.body.includes("DOI:"));
  const vaswani = readNote(kiln, "lit/zotero/vaswani_attention_2023.md").body;
  match(
    vaswani,
    /\nDOI: \[10\.48550\/arXiv\.1706\.03762\]\(https:\/\/doi\.org\/10\.48550\/arXiv\.1706\.03762\)\n\nURL: <http:\/\/arxiv\.org\/abs\/1706\.03762>\n/,
  );
});

Deno.test("existing notes are skipped and left alone unless overwrite is set", async () => {
  using kiln = tempKiln();
  const text = fixture("scholar.bib");
  const first = await parse({ text, create_notes: true }, kiln);
  strictEqual(first.created.length, 3);
  const edited = "---\ntype: reference\n---\n# Brin 1998\n\nMy own notes, do not lose them.\n";
  kiln.write("references/brin1998anatomy.md", edited);
  kiln.remove("references/ebbinghaus2013memory.md");

  const again = await parse({ text, create_notes: true }, kiln);
  deepStrictEqual(again.created, ["references/ebbinghaus2013memory.md"]);
  deepStrictEqual(again.skipped, [
    { key: "brin1998anatomy", path: "references/brin1998anatomy.md", reason: "exists" },
    { key: "settles2016trainable", path: "references/settles2016trainable.md", reason: "exists" },
  ]);
  strictEqual(Deno.readTextFileSync(path.join(kiln.root, "references/brin1998anatomy.md")), edited);

  const forced = await parse({ text, create_notes: true, overwrite: true }, kiln);
  deepStrictEqual(forced.created, [
    "references/brin1998anatomy.md",
    "references/settles2016trainable.md",
    "references/ebbinghaus2013memory.md",
  ]);
  deepStrictEqual(forced.skipped, []);
  strictEqual(readNote(kiln, "references/brin1998anatomy.md").data.citekey, "brin1998anatomy");
});

Deno.test("citation keys become safe file names; two keys with one file name do not collide", async () => {
  using kiln = tempKiln();
  const r = await parse({
    text: fixture("dblp.bib") + "\n@misc{a:b, title = {One}}\n@misc{a/b, title = {Two}}\n" +
      "@misc{../../escape, title = {Dots}}\n",
    create_notes: true,
  }, kiln);
  deepStrictEqual(r.created, [
    "references/DBLP-conf-nips-VaswaniSPUJGKP17.md",
    "references/DBLP-journals-jacm-Kleinberg99.md",
    "references/DBLP-journals-corr-abs-2005-11401.md",
    "references/a-b.md",
    "references/escape.md",
  ]);
  deepStrictEqual(r.skipped, [
    {
      key: "a/b",
      path: "references/a-b.md",
      reason: "another entry in this input has the same file name",
    },
  ]);
  strictEqual(readNote(kiln, "references/a-b.md").data.title, "One");
  strictEqual(readNote(kiln, "references/escape.md").data.citekey, "../../escape");
  deepStrictEqual(
    [...Deno.readDirSync(kiln.root)].map((e) => e.name).filter((n) => n !== ".crucible"),
    [
      "references",
    ],
  );
});

Deno.test("without KilnWrite approved nothing runs and nothing is written", async () => {
  using kiln = tempDemoKiln();
  const before = snapshot(kiln.root);
  const { result, asked } = await run(
    kiln,
    { path: "research/papers/Brin 1998.md", create_notes: true },
    { approve: [] },
  );
  strictEqual(result.error?.code, "E_APPROVAL_DENIED");
  deepStrictEqual(asked, ["KilnWrite"]);
  strictEqual(snapshot(kiln.root), before);
});

Deno.test("granted only KilnRead, the plugin parses, and create_notes is refused without writing", async () => {
  using kiln = tempDemoKiln();
  const m = PLUGIN.manifest!;
  const readOnly: ResolvedPlugin = {
    ...PLUGIN,
    manifest: { ...m, capabilities: m.capabilities.filter((c) => c.name === "KilnRead") },
  };
  const before = snapshot(kiln.root);
  const params = { text: fixture("scholar.bib") };
  const parsedOnly = await run(kiln, params, { plugin: readOnly, approve: [] });
  strictEqual(parsedOnly.result.ok, true, JSON.stringify(parsedOnly.result.error));
  strictEqual(parsed(parsedOnly.result.value).entries.length, 3);

  const writing = await run(kiln, { ...params, create_notes: true }, { plugin: readOnly });
  strictEqual(writing.result.error?.code, "E_CAPABILITY");
  deepStrictEqual(writing.asked, []);
  strictEqual(writing.result.security.length, 1);
  match(writing.result.security[0], /crucible\.write_note\("references\/brin1998anatomy\.md"\)/);
  strictEqual(snapshot(kiln.root), before);
});

Deno.test("a folder outside the kiln or in .crucible/ is refused and nothing is written", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const before = snapshot(kiln.root);
  for (const folder of ["../outside", ".crucible/plugins", "/../../tmp"]) {
    const { result } = await run(kiln, {
      text: "@misc{x, title = {X}}",
      create_notes: true,
      folder,
    });
    strictEqual(result.error?.code, "E_PATH", `${folder}: ${JSON.stringify(result.error)}`);
  }
  strictEqual(snapshot(kiln.root), before);
  // The note the entry would have become, in each refused folder (the folders themselves may
  // exist for other reasons: `../outside` is a shared temp path).
  for (const written of [".crucible/plugins/x.md", "../outside/x.md", "../../tmp/x.md"]) {
    ok(!exists(path.join(kiln.root, written)), written);
  }
});

// ---------------------------------------------------------------------------------------------
// Parameters and errors
// ---------------------------------------------------------------------------------------------

Deno.test("missing path and text, or a bad parameter, is E_INVALID_PARAMS", async () => {
  using kiln = tempKiln();
  for (const params of [{}, { path: "" }, { create_notes: true }]) {
    const { result } = await run(kiln, params);
    strictEqual(result.error?.code, "E_INVALID_PARAMS", JSON.stringify(params));
    match(result.error!.message, /needs a note `path`.* or BibTeX `text`/);
  }
  for (const params of [{ text: 1 }, { text: "", create_notes: "yes" }, { text: "", colour: 1 }]) {
    const { result } = await run(kiln, params);
    strictEqual(result.error?.code, "E_INVALID_PARAMS", JSON.stringify(params));
  }
});

Deno.test("a path to a missing note is E_NOT_FOUND", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { result } = await run(kiln, { path: "papers/Nobody 2020.md" });
  strictEqual(result.error?.code, "E_NOT_FOUND");
  match(result.error!.message, /papers\/Nobody 2020\.md/);
});

Deno.test("cru plugins run citation-parser on the demo kiln creates notes with --approve", async () => {
  using kiln = tempDemoKiln();
  const r = await runCruJson<{ ok: boolean; value: { created: string[] } }>([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "citation-parser",
    "--approve",
    "citation-parser:KilnWrite",
    "--params",
    JSON.stringify({ path: "research/papers/Kleinberg 1999.md", create_notes: true }),
  ]);
  strictEqual(r.code, 0, r.stderr);
  deepStrictEqual(r.json.value.created, ["references/kleinberg1999authoritative.md"]);
  strictEqual(
    readNote(kiln, "references/kleinberg1999authoritative.md").data.doi,
    "10.1145/324133.324140",
  );
});

Deno.test("warnings name the line of the note's file, frontmatter and text before the block included", async () => {
  const lines = [
    "---",
    "title: Reading list",
    "tags: [papers]",
    "---",
    "# Reading list",
    "",
    "Some prose first.",
    "",
    "```bibtex",
    "@misc{fine, title = {Fine}}",
    "",
    "@misc{broken, title = {Broken}",
    "```",
  ];
  using kiln = tempKiln({ "list.md": lines.join("\n") + "\n" });
  const r = await parse({ path: "list.md" }, kiln);
  const brokenLine = lines.indexOf("@misc{broken, title = {Broken}") + 1;
  strictEqual(brokenLine, 12);
  deepStrictEqual(r.warnings, [
    `list.md, bibtex block 1, line ${brokenLine}, entry broken: the entry is never closed ` +
    "(no final }); the entry was skipped",
  ]);
});

Deno.test("cru plugins run --json gives empty lists as [] as the returns schema declares", async () => {
  using kiln = tempKiln();
  const r = await runCruJson<{ ok: boolean; value: Record<string, unknown> }>([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "citation-parser",
    "--params",
    JSON.stringify({ text: "@misc{onlykey, note = {no authors}}" }),
  ]);
  strictEqual(r.code, 0, r.stderr);
  const v = r.json.value as { entries: { authors: unknown; fields: unknown }[] };
  deepStrictEqual(v.entries[0].authors, []);
  deepStrictEqual(v.entries[0].fields, { note: "no authors" });
  deepStrictEqual([r.json.value.created, r.json.value.skipped, r.json.value.warnings], [
    [],
    [],
    [],
  ]);
});
