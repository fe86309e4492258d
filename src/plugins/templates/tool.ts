/**
 * The `tool` template: read one note and return facts about it, the shape of most plugins.
 *
 * @module
 */
import type { TemplateCase, TemplateDefinition } from "../templates.ts";

const NOTES = {
  "Example.md": "# Example\n\nA short note about #demo things.\n",
  "Empty.md": "",
};

const SHARED = {
  kind: "tool" as const,
  summary: "read a note and return facts about it (a starting point for most plugins)",
  description: "Report a note's title, word count and tags",
  capabilities: ["KilnRead"],
  parameters: {
    path: {
      type: "string" as const,
      description: "Kiln-relative path of the note",
      required: true,
    },
  },
  returns: {
    type: "object",
    properties: { path: "string", title: "string", words: "integer", tags: "array" },
  },
  examples: [
    { name: "the path is required", params: {}, error: "E_INVALID_PARAMS" },
  ] satisfies TemplateCase[],
  notes: NOTES,
  cases: [
    {
      name: "reports a note",
      params: { path: "Example.md" },
      output: { path: "Example.md", title: "Example", words: 8, tags: ["demo"] },
    },
    { name: "an empty note has no words", params: { path: "Empty.md" }, match: { words: 0 } },
    { name: "a missing note is not found", params: { path: "Missing.md" }, error: "E_NOT_FOUND" },
  ] satisfies TemplateCase[],
};

/** The tool template in Rune and Lua. */
export const TOOL_TEMPLATES: TemplateDefinition[] = [
  {
    ...SHARED,
    language: "rune",
    code: `
/// Words in a text: the runs of characters between spaces.
pub fn count_words(text) {
    text.split_whitespace().count()
}

pub fn main(params) {
    let note = crucible::read_note(params.path);
    #{
        path: note.path,
        title: note.title,
        words: count_words(note.content),
        tags: note.tags,
    }
}

#[test]
fn counts_words() {
    assert_eq!(count_words("one two  three\\nfour"), 4);
    assert_eq!(count_words(""), 0);
}
`,
  },
  {
    ...SHARED,
    language: "lua",
    code: `
local M = {}

--- Words in a text: the runs of characters between spaces.
function M.count_words(text)
  local n = 0
  for _ in text:gmatch("%S+") do
    n = n + 1
  end
  return n
end

function M.main(params)
  local note = crucible.read_note(params.path)
  return {
    path = note.path,
    title = note.title,
    words = M.count_words(note.content),
    tags = note.tags,
  }
end

function M.test_counts_words()
  assert(M.count_words("one two  three\\nfour") == 4)
  assert(M.count_words("") == 0)
end

return M
`,
  },
];
