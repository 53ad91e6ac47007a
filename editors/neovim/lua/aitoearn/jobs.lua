---@mod aitoearn.jobs :AiToEarnJobs: pick one of your recent jobs (task.list) and link what it made

local client = require('aitoearn.client')
local generate = require('aitoearn.generate')
local link = require('aitoearn.link')

local M = {}

--- The kinds of job task.list knows, in the order they are listed.
M.KINDS = { 'image', 'video' }

---@class aitoearn.ListedJob
---@field kind "image"|"video" the kind task.list was asked for
---@field id string the job's logId (image) or taskId (video)
---@field entry table the task.list entry, verbatim
---@field order integer its place in the service's pages (for a stable sort)

--- "2026-01-02T03:04:05.678Z" -> "2026-01-02 03:04:05 UTC"; anything else as it is.
---@param stamp any
---@return string
local function when(stamp)
  if type(stamp) ~= 'string' then
    return '?'
  end
  local day, time = stamp:match('^(%d%d%d%d%-%d%d%-%d%d)T(%d%d:%d%d:%d%d)')
  if not day then
    return stamp
  end
  return day .. ' ' .. time .. (stamp:match('Z$') and ' UTC' or '')
end

--- One line for the picker: kind, status, model (and the action when it says more), created, id.
---@param job aitoearn.ListedJob
---@return string
function M.describe(job)
  local e = job.entry
  local parts = { type(e.type) == 'string' and e.type or job.kind, tostring(e.status or '?') }
  if type(e.model) == 'string' and e.model ~= '' then
    parts[#parts + 1] = e.model
  end
  if type(e.action) == 'string' and e.action ~= '' and e.action ~= parts[1] then
    parts[#parts + 1] = e.action
  end
  parts[#parts + 1] = when(e.createdAt or e.startedAt)
  parts[#parts + 1] = job.id
  return table.concat(parts, ' · ')
end

--- The caller's jobs of `kinds` (one task.list page each), newest first; `cb(err, jobs)`.
---@param kinds string[]
---@param cb fun(err: aitoearn.RpcError|nil, jobs: aitoearn.ListedJob[]|nil)
function M.list(kinds, cb)
  local jobs, i = {}, 0
  local function next_kind()
    i = i + 1
    local kind = kinds[i]
    if not kind then
      -- Newest first across the kinds; equal times keep the service's order.
      table.sort(jobs, function(a, b)
        local ta, tb = tostring(a.entry.createdAt or ''), tostring(b.entry.createdAt or '')
        if ta ~= tb then
          return ta > tb
        end
        return a.order < b.order
      end)
      return cb(nil, jobs)
    end
    client.request('task.list', { kind = kind }, function(err, page)
      if err then
        return cb(err, nil)
      end
      local list = type(page) == 'table' and type(page.list) == 'table' and page.list or {}
      for _, entry in ipairs(list) do
        local id = type(entry) == 'table' and (kind == 'video' and entry.taskId or entry.id) or nil
        if type(id) == 'string' and id ~= '' then
          jobs[#jobs + 1] = { kind = kind, id = id, entry = entry, order = #jobs + 1 }
        end
      end
      next_kind()
    end)
  end
  next_kind()
end

--- :AiToEarnJobs [image|video]: list your recent jobs (both kinds by default) with vim.ui.select;
--- the one picked is followed to its end the way :AiToEarnStatus! follows a job (progress
--- shown), and what it made is saved next to the document and linked where the cursor was.
--- A failed job shows its error and inserts nothing.
---@param kind? string
function M.jobs(kind)
  kind = type(kind) == 'string' and vim.trim(kind) or ''
  if kind ~= '' and not vim.tbl_contains(M.KINDS, kind) then
    return generate.notify(
      ('AiToEarn: no job kind "%s": `:AiToEarnJobs` lists every job, `:AiToEarnJobs image` or `:AiToEarnJobs video` one kind.'):format(kind),
      vim.log.levels.ERROR
    )
  end
  if not generate.cmd_ok() then
    return
  end
  local anchor = link.mark_cursor()
  M.list(kind ~= '' and { kind } or M.KINDS, function(err, jobs)
    if err then
      link.forget(anchor)
      return generate.notify(generate.explain(err), vim.log.levels.ERROR)
    end
    if #jobs == 0 then
      link.forget(anchor)
      return generate.notify(('AiToEarn: you have no %sjobs yet.'):format(kind ~= '' and (kind .. ' ') or ''))
    end
    vim.ui.select(jobs, { prompt = 'AiToEarn job', format_item = M.describe }, function(choice)
      vim.schedule(function()
        vim.cmd('redraw') -- clear the list, so progress messages need no hit-enter
        if not choice then
          return link.forget(anchor)
        end
        local video = choice.kind == 'video'
        local params = video and { taskId = choice.id, wait = true } or { logId = choice.id, wait = true }
        generate.run_job('task.status', params, 'AiToEarn ' .. choice.id, anchor, false, video)
      end)
    end)
  end)
end

return M
