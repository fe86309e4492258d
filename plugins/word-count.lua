---
name: word-count
description: Count words, headings and links in a note
version: 1.0.0
author: cru
capabilities: [KilnRead]
parameters:
  path:
    type: string
    description: Kiln-relative path of the note
    required: true
returns:
  type: object
  properties:
    path: string
    words: integer
    headings: integer
    links: integer
tags: [writing]
---

local M = {}

-- Counts runs of letters and digits; apostrophes inside words keep them whole.
local function count_words(text)
  local n = 0
  for _ in text:gmatch("[%w][%w']*") do
    n = n + 1
  end
  return n
end

function M.main(params)
  local note = crucible.read_note(params.path)
  local headings = 0
  for line in (note.content .. "\n"):gmatch("([^\n]*)\n") do
    if line:match("^#+%s") then
      headings = headings + 1
    end
  end
  return {
    path = note.path,
    words = count_words(note.content),
    headings = headings,
    links = #note.links,
  }
end

return M
