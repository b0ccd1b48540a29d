-- Argo CD health check for golive.dev/Release (kstatus conditions, then the phase).
--   Degraded     Stalled=True, or phase Blocked, Failed or RolledBack: a person must act
--                (status.message names the gate, image or step and what to do)
--   Progressing  generation not yet observed, Reconciling=True, or a phase still moving
--                (Pending, Verifying, CleaningUp, Progressing, RollingBack)
--   Healthy      Ready=True (Approved or Released): the workloads may go live
-- Written for Lua 5.1 (Argo CD runs gopher-lua): no goto, no integer division, no bit operators.
local hs = { status = "Progressing", message = "Waiting for golive to evaluate the release" }

if obj.status == nil then
  return hs
end
local status = obj.status

local function condition(kind)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

local function nonEmpty(s)
  return s ~= nil and s ~= ""
end

local phase = status.phase
local function describe(c)
  local text = status.message
  if c ~= nil and nonEmpty(c.message) then
    text = c.message
  end
  if nonEmpty(phase) and nonEmpty(text) then
    return phase .. ": " .. text
  end
  if nonEmpty(text) then
    return text
  end
  if nonEmpty(phase) then
    return phase
  end
  return "no status message"
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for golive to observe the latest spec of the release"
  return hs
end

local stalled = condition("Stalled")
if isTrue(stalled) or phase == "Blocked" or phase == "Failed" or phase == "RolledBack" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

local reconciling = condition("Reconciling")
local moving = phase == "Pending" or phase == "Verifying" or phase == "CleaningUp" or phase == "Progressing" or phase == "RollingBack"
if isTrue(reconciling) or moving then
  hs.status = "Progressing"
  hs.message = describe(reconciling)
  return hs
end

local ready = condition("Ready")
if isTrue(ready) then
  hs.status = "Healthy"
  hs.message = describe(ready)
  return hs
end

hs.message = describe(ready)
return hs
