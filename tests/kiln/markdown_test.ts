import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { scanMarkdown } from "../../src/kiln/markdown.ts";
import type { Link } from "../../src/kiln/types.ts";

/** A wikilink as the scanner reports it; optional parts only when given. */
function wiki(target: string, line: number, column: number, extra: Partial<Link> = {}): Link {
  return { target, embed: false, kind: "wikilink", line, column, ...extra };
}

function md(target: string, line: number, column: number, extra: Partial<Link> = {}): Link {
  return { target, embed: false, kind: "markdown", line, column, ...extra };
}

function tags(body: string): string[] {
  return scanMarkdown(body).tags;
}

function links(body: string): Link[] {
  return scanMarkdown(body).links;
}

// --- whole result --------------------------------------------------------------------------------

Deno.test("scanMarkdown: empty body gives an empty scan without firstH1", () => {
  deepStrictEqual(scanMarkdown(""), {
    tags: [],
    links: [],
    headings: [],
    blockIds: [],
    wordCount: 0,
  });
});

Deno.test("scanMarkdown: realistic note yields every kind of item with file lines", () => {
  const body = [
    "# Mira Vell",
    "",
    "Blacksmith in [[Oakhollow]]. #npc #campaign/alpha",
    "Owes money to [[Tomas Reed|Tomas]], see [ledger](../ledger.md#Debts).",
    "",
    "```js",
    "const x = '[[NotALink]] #notatag';",
    "```",
    "Last seen at ![[map.png]] ^seen",
  ].join("\n");
  deepStrictEqual(scanMarkdown(body, { firstLine: 5 }), {
    tags: ["npc", "campaign/alpha"],
    links: [
      wiki("Oakhollow", 7, 15),
      wiki("Tomas Reed", 8, 15, { alias: "Tomas" }),
      md("../ledger.md", 8, 41, { heading: "Debts", alias: "ledger" }),
      wiki("map.png", 13, 14, { embed: true }),
    ],
    headings: [{ level: 1, text: "Mira Vell", line: 5 }],
    blockIds: ["seen"],
    wordCount: 30,
    firstH1: "Mira Vell",
  });
});

// --- headings ------------------------------------------------------------------------------------

Deno.test("headings: levels 1 to 6 with text trimmed; firstH1 is the first level-1", () => {
  const scan = scanMarkdown("## Two\n# One  \n###### Six\n####### Seven\n# Again");
  deepStrictEqual(scan.headings, [
    { level: 2, text: "Two", line: 1 },
    { level: 1, text: "One", line: 2 },
    { level: 6, text: "Six", line: 3 },
    { level: 1, text: "Again", line: 5 },
  ]);
  strictEqual(scan.firstH1, "One");
});

Deno.test("headings: closing # sequence after a space is removed, a glued one is kept", () => {
  deepStrictEqual(scanMarkdown("# Title ##\n## C#\n### Hash #tag ###\n#### Tab\t#").headings, [
    { level: 1, text: "Title", line: 1 },
    { level: 2, text: "C#", line: 2 },
    { level: 3, text: "Hash #tag", line: 3 },
    { level: 4, text: "Tab", line: 4 },
  ]);
});

Deno.test("headings: up to 3 leading spaces, a tab after the marker, not 4 spaces", () => {
  deepStrictEqual(scanMarkdown("   # Three\n    # Four\n#\tTabbed").headings, [
    { level: 1, text: "Three", line: 1 },
    { level: 1, text: "Tabbed", line: 3 },
  ]);
});

Deno.test("headings: #hashtag without a space is a tag, not a heading", () => {
  const scan = scanMarkdown("#hashtag\n#");
  deepStrictEqual(scan.headings, []);
  deepStrictEqual(scan.tags, ["hashtag"]);
  strictEqual(scan.firstH1, undefined);
});

Deno.test("headings: empty headings are skipped", () => {
  deepStrictEqual(scanMarkdown("#\n## \n### ###\n# Real").headings, [
    { level: 1, text: "Real", line: 4 },
  ]);
});

Deno.test("headings: tags and links on a heading line are still found", () => {
  const scan = scanMarkdown("# Meeting with [[Bob]] #meeting");
  deepStrictEqual(scan.headings, [{ level: 1, text: "Meeting with [[Bob]] #meeting", line: 1 }]);
  deepStrictEqual(scan.links, [wiki("Bob", 1, 16)]);
  deepStrictEqual(scan.tags, ["meeting"]);
});

Deno.test("headings: none inside fences or comments", () => {
  const body = "```\n# Code\n```\n~~~\n# Tilde\n~~~\n<!--\n# Html\n-->\n%%\n# Obsidian\n%%\n# Real";
  deepStrictEqual(scanMarkdown(body).headings, [{ level: 1, text: "Real", line: 13 }]);
});

// --- tags ----------------------------------------------------------------------------------------

Deno.test("tags: at line start and after spaces or tabs", () => {
  deepStrictEqual(tags("#start middle #mid\tend\t#tabbed\n  #indented"), [
    "start",
    "mid",
    "tabbed",
    "indented",
  ]);
});

Deno.test("tags: # after a non-space is not a tag (URL fragments, paths, words)", () => {
  deepStrictEqual(
    tags("see https://x.y/p#frag and page.md#x and foo#bar (#paren) ,#comma [#bracket]"),
    [],
  );
});

Deno.test("tags: nested tags keep slashes, a trailing slash is stripped", () => {
  deepStrictEqual(tags("#project/alpha #area/sub/leaf/ #trail//"), [
    "project/alpha",
    "area/sub/leaf",
    "trail",
  ]);
});

Deno.test("tags: letters, digits, underscore and dash; other punctuation ends the tag", () => {
  deepStrictEqual(tags("#to_do #in-progress #v2 #end. #comma, #q? #x!"), [
    "to_do",
    "in-progress",
    "v2",
    "end",
    "comma",
    "q",
    "x",
  ]);
});

Deno.test("tags: all-digit tags are not tags, a digit-led tag with a letter is", () => {
  deepStrictEqual(tags("#123 #1a #2024 #2024-01 #42/"), ["1a", "2024-01"]);
});

Deno.test("tags: unicode letters", () => {
  deepStrictEqual(tags("#café #日本 #Ωmega #naïve"), ["café", "日本", "Ωmega", "naïve"]);
});

Deno.test("tags: decomposed accents (combining marks) stay in the tag", () => {
  deepStrictEqual(tags("#cafe\u0301 x"), ["cafe\u0301"]);
});

Deno.test("tags: deduplicated case-insensitively, first spelling, first-appearance order", () => {
  deepStrictEqual(tags("#Beta #alpha #beta #ALPHA #Gamma #beta"), ["Beta", "alpha", "Gamma"]);
});

Deno.test("tags: heading markers are not tags", () => {
  deepStrictEqual(tags("# Title\n## Sub\n###### Six"), []);
});

Deno.test("tags: an escaped \\# is not a tag", () => {
  deepStrictEqual(tags("\\#escaped #real"), ["real"]);
});

Deno.test("tags: not inside wikilinks or Markdown link text/targets", () => {
  deepStrictEqual(tags("[[Note #inside]] [see #this](https://x.y/#frag) [a](b.md#c) #out"), [
    "out",
  ]);
});

Deno.test("tags: not inside inline code spans", () => {
  deepStrictEqual(tags("`#code` ``#double `tick` #still`` #real"), ["real"]);
});

Deno.test("tags: not inside a ``` fence", () => {
  deepStrictEqual(tags("```python\n#comment\n x = 1 #inline\n```\n#after"), ["after"]);
});

Deno.test("tags: not inside a ~~~ fence, which a ``` line does not close", () => {
  deepStrictEqual(tags("~~~\n```\n#inner\n~~~\n#after"), ["after"]);
});

Deno.test("tags: a longer fence is not closed by a shorter one inside it", () => {
  deepStrictEqual(tags("````md\n```\n#inner\n```\n#stillinner\n````\n#after"), ["after"]);
});

Deno.test("tags: a closing fence may be longer and have trailing spaces", () => {
  deepStrictEqual(tags("```\n#in\n`````  \n#after"), ["after"]);
});

Deno.test("tags: an unclosed fence runs to the end of the body", () => {
  deepStrictEqual(tags("#before\n```\n#never\n\n#none"), ["before"]);
});

Deno.test("tags: fences indented in list items and behind callout markers are code", () => {
  deepStrictEqual(
    tags("- item\n    ```c\n    #include\n    ```\n> ```py\n> # comment\n> ```\n#ok"),
    [
      "ok",
    ],
  );
});

Deno.test("tags: ```a``` on its own line is inline code, not a fence", () => {
  deepStrictEqual(tags("```a #x```\n#after"), ["after"]);
});

Deno.test("tags: not inside HTML comments, single or multi-line", () => {
  deepStrictEqual(tags("<!-- #one --> #two <!--\n#three\n#four --> #five <!--> #six"), [
    "two",
    "five",
    "six",
  ]);
});

Deno.test("tags: not inside %% comments, single or multi-line", () => {
  deepStrictEqual(tags("%% #one %% #two %%\n#three\n%% #four"), ["two", "four"]);
});

Deno.test("tags: an unclosed comment hides the rest of the body", () => {
  deepStrictEqual(tags("#a %% open\n#b\n#c"), ["a"]);
  deepStrictEqual(tags("#a <!-- open\n#b"), ["a"]);
});

Deno.test("tags: comment markers inside code do not open comments", () => {
  deepStrictEqual(tags("`%%` #a `<!--` #b\n```\n%%\n```\n#c"), ["a", "b", "c"]);
});

Deno.test("tags: an unmatched backtick run is literal text", () => {
  deepStrictEqual(tags("a ``` b #x\n`` #y ` #z"), ["x", "y", "z"]);
});

// --- wikilinks -----------------------------------------------------------------------------------

Deno.test("wikilinks: plain target", () => {
  deepStrictEqual(links("See [[Target]]."), [wiki("Target", 1, 5)]);
});

Deno.test("wikilinks: alias", () => {
  deepStrictEqual(links("[[Target|the alias]]"), [wiki("Target", 1, 1, { alias: "the alias" })]);
});

Deno.test("wikilinks: heading", () => {
  deepStrictEqual(links("[[Target#Heading]]"), [wiki("Target", 1, 1, { heading: "Heading" })]);
});

Deno.test("wikilinks: heading and alias", () => {
  deepStrictEqual(links("[[Target#Heading|alias]]"), [
    wiki("Target", 1, 1, { heading: "Heading", alias: "alias" }),
  ]);
});

Deno.test("wikilinks: same-note heading has an empty target", () => {
  deepStrictEqual(links("[[#Heading]]"), [wiki("", 1, 1, { heading: "Heading" })]);
});

Deno.test("wikilinks: block reference in another note and in the same note", () => {
  deepStrictEqual(links("[[Target#^blockid]] [[#^local-1]]"), [
    wiki("Target", 1, 1, { block: "blockid" }),
    wiki("", 1, 21, { block: "local-1" }),
  ]);
});

Deno.test("wikilinks: nested heading path keeps the inner # (A#B)", () => {
  deepStrictEqual(links("[[Note#A#B]]"), [wiki("Note", 1, 1, { heading: "A#B" })]);
});

Deno.test("wikilinks: parts are trimmed and empty parts omitted", () => {
  deepStrictEqual(links("[[  Target  #  Head  |  alias  ]] [[T|]] [[U#]]"), [
    wiki("Target", 1, 1, { heading: "Head", alias: "alias" }),
    wiki("T", 1, 35),
    wiki("U", 1, 42),
  ]);
});

Deno.test("wikilinks: embeds, including non-Markdown targets as written", () => {
  deepStrictEqual(links("![[Target]] ![[image.png]] ![[doc.pdf#page=3]]"), [
    wiki("Target", 1, 1, { embed: true }),
    wiki("image.png", 1, 13, { embed: true }),
    wiki("doc.pdf", 1, 28, { embed: true, heading: "page=3" }),
  ]);
});

Deno.test("wikilinks: escaped pipe in a table separates target and alias", () => {
  deepStrictEqual(links("| [[Target\\|alias]] | [[Other#H\\|x]] |"), [
    wiki("Target", 1, 3, { alias: "alias" }),
    wiki("Other", 1, 23, { heading: "H", alias: "x" }),
  ]);
});

Deno.test("wikilinks: empty or blank brackets are not links", () => {
  deepStrictEqual(links("[[]] [[   ]] [[#]] [[|x]]"), []);
});

Deno.test("wikilinks: may not span lines", () => {
  deepStrictEqual(links("[[Broken\nLink]] [[Ok]]"), [wiki("Ok", 2, 8)]);
});

Deno.test("wikilinks: an unclosed [[ before a real link does not swallow it", () => {
  deepStrictEqual(links("[[open [[Inner]]"), [wiki("Inner", 1, 8)]);
});

Deno.test("wikilinks: duplicates are kept, one per occurrence", () => {
  deepStrictEqual(links("[[A]] [[A]]"), [wiki("A", 1, 1), wiki("A", 1, 7)]);
});

Deno.test("wikilinks: not inside code spans, fences or comments", () => {
  const body = "`[[a]]` <!-- [[b]] --> %% [[c]] %%\n```\n[[d]]\n```\n~~~\n![[e]]\n~~~\n[[f]]";
  deepStrictEqual(links(body), [wiki("f", 8, 1)]);
});

Deno.test("wikilinks: an escaped bracket does not open a link", () => {
  deepStrictEqual(links("\\[[Not]] [[Yes]]"), [wiki("Yes", 1, 10)]);
});

// --- Markdown links ------------------------------------------------------------------------------

Deno.test("markdown links: local .md destination with the text as alias", () => {
  deepStrictEqual(links("Read [the notes](notes.md) now"), [
    md("notes.md", 1, 6, { alias: "the notes" }),
  ]);
});

Deno.test("markdown links: embed form ![alt](x.md)", () => {
  deepStrictEqual(links("![Alt](inc.md)"), [md("inc.md", 1, 1, { embed: true, alias: "Alt" })]);
});

Deno.test("markdown links: .md is matched case-insensitively; relative prefixes are kept", () => {
  deepStrictEqual(links("[a](./A.MD) [b](../dir/b.Md) [c](sub/c.md)"), [
    md("./A.MD", 1, 1, { alias: "a" }),
    md("../dir/b.Md", 1, 13, { alias: "b" }),
    md("sub/c.md", 1, 30, { alias: "c" }),
  ]);
});

Deno.test("markdown links: percent-decoding; an invalid escape keeps the raw text", () => {
  deepStrictEqual(links("[a](My%20Note.md) [b](100%zz.md) [c](Caf%C3%A9.md)"), [
    md("My Note.md", 1, 1, { alias: "a" }),
    md("100%zz.md", 1, 19, { alias: "b" }),
    md("Café.md", 1, 34, { alias: "c" }),
  ]);
});

Deno.test("markdown links: heading and block fragments", () => {
  deepStrictEqual(links("[a](n.md#My%20Heading) [b](n.md#^blk) [c](n.md#)"), [
    md("n.md", 1, 1, { heading: "My Heading", alias: "a" }),
    md("n.md", 1, 24, { block: "blk", alias: "b" }),
    md("n.md", 1, 39, { alias: "c" }),
  ]);
});

Deno.test("markdown links: angle-bracket destination with spaces", () => {
  deepStrictEqual(links("[x](<My Note.md>) [y](<a b.md#Sec>)"), [
    md("My Note.md", 1, 1, { alias: "x" }),
    md("a b.md", 1, 19, { heading: "Sec", alias: "y" }),
  ]);
});

Deno.test("markdown links: optional titles in double quotes, single quotes or parentheses", () => {
  deepStrictEqual(links(`[a](a.md "Title") [b](b.md 'T') [c](<c d.md> (T)) [d](d.md "x)y")`), [
    md("a.md", 1, 1, { alias: "a" }),
    md("b.md", 1, 19, { alias: "b" }),
    md("c d.md", 1, 33, { alias: "c" }),
    md("d.md", 1, 51, { alias: "d" }),
  ]);
});

Deno.test("markdown links: balanced parentheses and backslash escapes in the destination", () => {
  deepStrictEqual(links("[a](Note(1).md) [b](x\\ y.md) [c](a\\(b.md) [d](<a\\>b.md>)"), [
    md("Note(1).md", 1, 1, { alias: "a" }),
    md("a(b.md", 1, 30, { alias: "c" }),
    md("a>b.md", 1, 43, { alias: "d" }),
  ]);
});

Deno.test("markdown links: nested brackets in text, empty text has no alias", () => {
  deepStrictEqual(links("[see [this] one](n.md) [](e.md)"), [
    md("n.md", 1, 1, { alias: "see [this] one" }),
    md("e.md", 1, 24),
  ]);
});

Deno.test("markdown links: external, protocol-relative and same-note links are ignored", () => {
  const body =
    "[a](https://x.y/a.md) [b](http://x.md) [c](mailto:me@x.md) [d](obsidian://open.md) " +
    "[e](file:///tmp/e.md) [f](//host/f.md) [g](#heading) [h](#x.md) [i](C:x.md)";
  deepStrictEqual(links(body), []);
});

Deno.test("markdown links: non-.md destinations are not links", () => {
  deepStrictEqual(links("[a](a.txt) ![img](pic.png) [b](folder/) [c](c.md.bak) [d]()"), []);
});

Deno.test("markdown links: malformed forms are not links", () => {
  deepStrictEqual(links("[a] (a.md) [b](b.md [c](<c.md) [d](d.md 'open) [e](e.md\n)"), []);
});

Deno.test("markdown links: reference-style links are out of scope", () => {
  deepStrictEqual(links("[text][ref]\n\n[ref]: ref.md"), []);
});

Deno.test("markdown links: not inside code, fences or comments", () => {
  deepStrictEqual(links("`[a](a.md)` %%[b](b.md)%% <!--[c](c.md)-->\n```\n[d](d.md)\n```"), []);
});

// --- block ids -----------------------------------------------------------------------------------

Deno.test("block ids: at the end of a line after whitespace or alone on a line", () => {
  const scan = scanMarkdown("A paragraph ^para-1\n^alone\n- item ^Item2  \ntext^glued");
  deepStrictEqual(scan.blockIds, ["para-1", "alone", "Item2"]);
});

Deno.test("block ids: not mid-line, not with other characters, not in code or comments", () => {
  const body = "^mid text\nx ^bad_id\n`code ^incode`\n%% ^incomment %%\n```\n^fenced\n```\n" +
    "<!--\n^html\n-->";
  deepStrictEqual(scanMarkdown(body).blockIds, []);
});

Deno.test("block ids: after a code span or link that ends earlier on the line", () => {
  deepStrictEqual(scanMarkdown("`code` ^a\n[[Link]] ^b\n%% c %% ^c").blockIds, ["a", "b", "c"]);
});

// --- lines, columns, CRLF ------------------------------------------------------------------------

Deno.test("lines: firstLine offsets every reported line", () => {
  const scan = scanMarkdown("# H\n\n[[A]]\n  ![[B]]", { firstLine: 10 });
  deepStrictEqual(scan.headings, [{ level: 1, text: "H", line: 10 }]);
  deepStrictEqual(scan.links, [wiki("A", 12, 1), wiki("B", 13, 3, { embed: true })]);
});

Deno.test("columns: UTF-16 code units, the ! of an embed, the [ otherwise", () => {
  deepStrictEqual(links("日本 [[A]] 😀 ![x](b.md)"), [
    wiki("A", 1, 4),
    md("b.md", 1, 13, { embed: true, alias: "x" }),
  ]);
});

Deno.test("CRLF: lines, headings, fences, tags and block ids work with \\r\\n", () => {
  const body =
    "# Title  #\r\n#tag [[A]]\r\n```\r\n#no\r\n```\r\ntext ^id\r\n<!--\r\n#no\r\n-->\r\n[[B]]";
  deepStrictEqual(scanMarkdown(body, { firstLine: 3 }), {
    tags: ["tag"],
    links: [wiki("A", 4, 6), wiki("B", 12, 1)],
    headings: [{ level: 1, text: "Title", line: 3 }],
    blockIds: ["id"],
    wordCount: 8,
    firstH1: "Title",
  });
});

Deno.test("BOM: a leading byte-order mark does not hide a heading or shift columns", () => {
  const scan = scanMarkdown("\uFEFF# Title [[A]]");
  deepStrictEqual(scan.headings, [{ level: 1, text: "Title [[A]]", line: 1 }]);
  deepStrictEqual(scan.links, [wiki("A", 1, 9)]);
});

// --- word count ----------------------------------------------------------------------------------

Deno.test("wordCount: runs of letters and digits, markup punctuation ignored", () => {
  strictEqual(scanMarkdown("# Hello, world!\n\n- item **one** _two_ 42").wordCount, 6);
});

Deno.test("wordCount: apostrophes inside words keep one word; hyphens split", () => {
  strictEqual(scanMarkdown("don't it’s 'quoted' state-of-the-art").wordCount, 7);
});

Deno.test("wordCount: code, link text and comments count; unicode letters count", () => {
  strictEqual(
    scanMarkdown("`code here`\n```\nmore code\n```\n[[Link|alias]] %%c%% café 日本語").wordCount,
    9,
  );
});

Deno.test("wordCount: astral letters are word characters, emoji are not", () => {
  strictEqual(scanMarkdown("𝒜𝒷 😀 x😀y").wordCount, 3);
});
