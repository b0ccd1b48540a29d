-- Runs an Argo CD health check the way Argo CD does: `obj` is a global holding the resource,
-- the check's chunk returns hs. Usage: lua harness.lua health.lua input.lua
-- (input.lua returns the resource as a Lua table). Prints hs.status and hs.message on two lines.
local checkFile, inputFile = arg[1], arg[2]
local check = assert(loadfile(checkFile))
obj = assert(loadfile(inputFile))()
local ok, hs = pcall(check)
if not ok then
  io.stderr:write("health check raised: " .. tostring(hs) .. "\n")
  os.exit(2)
end
if type(hs) ~= "table" then
  io.stderr:write("health check returned " .. type(hs) .. ", not a table\n")
  os.exit(3)
end
io.write(tostring(hs.status), "\n", tostring(hs.message), "\n")
