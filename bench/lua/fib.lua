-- Recursive Fibonacci: function calls and integer arithmetic, no allocation.
-- Defines a global `main(params)` returning a checksum, for lua5.4, wasmoon and the sandbox alike.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

function main(params)
  return fib(params and params.n or 30)
end
