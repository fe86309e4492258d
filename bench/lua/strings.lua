-- String building: string.format, concatenation into a table of pieces, table.concat, and
-- pattern matching over the result. Allocation-heavy (many short strings).
function main(params)
  local n = params and params.n or 200000
  local pieces = {}
  for i = 1, n do
    pieces[#pieces + 1] = string.format("note-%06d:%s:%.2f", i, (i % 7 == 0) and "tag" or "x", i / 3)
  end
  local text = table.concat(pieces, "\n")
  local tagged = 0
  for _ in string.gmatch(text, ":tag:") do tagged = tagged + 1 end
  local upper = 0
  for i = 1, n, 97 do upper = upper + #string.upper(pieces[i] .. pieces[i]) end
  return #text + tagged + upper
end
