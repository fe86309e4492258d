-- String building and formatting: format ints and floats with width and precision, build a
-- string piece by piece, join, and transform some pieces. Returns a checksum of the lengths.
function main(params)
  local n = params.n
  local pieces = {}
  for i = 0, n - 1 do
    local tag = "x"
    if i % 7 == 0 then tag = "tag" end
    pieces[#pieces + 1] = string.format("note-%06d:%s:%8.2f|%-5d|", i, tag, i / 3, i)
  end
  local text = table.concat(pieces, "\n")
  local built = ""
  for i = 0, n - 1, 50 do
    built = built .. pieces[i + 1] .. ";"
  end
  local upper = 0
  for i = 0, n - 1, 97 do
    upper = upper + #string.upper(pieces[i + 1] .. pieces[i + 1])
  end
  return #text + #built + upper
end
