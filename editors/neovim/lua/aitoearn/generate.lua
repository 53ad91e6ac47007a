---@mod aitoearn.generate :AiToEarnGenerate, :AiToEarnStatus, :AiToEarnCancel; the prompt, model and job runner :AiToEarnEdit shares

local client = require('aitoearn.client')
local config = require('aitoearn.config')
local link = require('aitoearn.link')
local state = require('aitoearn.state')

local M = {}

local KEY_HELP = 'Set the AITOEARN_API_KEY environment variable (or `api_key` in require("aitoearn").setup()) and try again.'

---@type table<string, aitoearn.Job>
local by_token = {}
local next_token = 0

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = 'AiToEarn' })
end
M.notify = notify

--- One sentence that says what went wrong and what to do.
---@param err aitoearn.RpcError
---@return string
function M.explain(err)
  local code, data = err.code, type(err.data) == 'table' and err.data or {}
  if code == 'ENOENT' or code == 'EXIT' then
    return err.message
  end
  if code == -32001 then
    if data.upstreamCode then
      return 'AiToEarn: the API key was rejected. ' .. KEY_HELP
    end
    return 'AiToEarn: no API key is set. ' .. KEY_HELP
  end
  local msg = 'AiToEarn: ' .. tostring(err.message or 'the request failed')
  local task = type(data.task) == 'table' and data.task or {}
  if code == -32011 and type(task.errorMessage) == 'string' then
    msg = msg .. ' (' .. task.errorMessage .. ')'
  end
  if code == -32011 and type(task.error) == 'table' and type(task.error.message) == 'string' then
    msg = msg .. ' (' .. task.error.message .. ')'
  end
  local id = data.logId or data.taskId
  if (code == -32012 or code == -32015) and type(id) == 'string' then
    msg = msg .. (' The job goes on: `:AiToEarnStatus! %s` fetches it later.'):format(id)
  end
  return msg
end

---@param text string
---@return string
local function short(text)
  text = text:gsub('%s+', ' ')
  if vim.fn.strchars(text) > 40 then
    text = vim.fn.strcharpart(text, 0, 39) .. '…'
  end
  return text
end

---@param job aitoearn.Job
local function render(job)
  local elapsed = (job.elapsed_ms or (vim.uv.now() - job.started)) / 1000
  local text = ('AiToEarn: %s "%s" %.1fs'):format(job.status or 'submitting', short(job.prompt), elapsed)
  if job.poll and job.poll > 0 then
    text = text .. (' (poll %d)'):format(job.poll)
  end
  job.text = text
  state.fire('AiToEarnProgress', {
    id = job.id,
    logId = job.logId,
    status = job.status,
    poll = job.poll,
    elapsedMs = job.elapsed_ms,
    message = job.message,
    text = text,
  })
  if config.get().progress then
    vim.api.nvim_echo({ { text, 'MoreMsg' } }, false, {})
  end
end

client.on('task.progress', function(params)
  local job = state.jobs[params.requestId]
  if not job then
    return
  end
  job.logId = params.logId or params.taskId or job.logId
  job.status = params.status or job.status
  job.poll = params.poll or job.poll
  job.elapsed_ms = params.elapsedMs or job.elapsed_ms
  render(job)
end)

client.on('$/progress', function(params)
  local job = by_token[params.token]
  local value = params.value or {}
  if job and type(value.message) == 'string' then
    job.message = value.message
  end
end)

client.on('status.changed', function(params)
  state.status = params
  state.fire('AiToEarnStatus', params)
end)

client.on('aitoearn/exit', function(info)
  local lost = {}
  for id, job in pairs(state.jobs) do
    state.jobs[id] = nil
    by_token[job.token] = nil
    link.forget(job.anchor)
    lost[#lost + 1] = job.logId and ('`:AiToEarnStatus! %s`'):format(job.logId) or ('"' .. short(job.prompt) .. '"')
  end
  if #lost > 0 then
    notify(
      ('AiToEarn: the adapter stopped (status %s) while generating; nothing was inserted. To fetch a submitted job later: %s'):format(
        tostring(info.code or 'stopped'),
        table.concat(lost, ', ')
      ),
      vim.log.levels.WARN
    )
  end
  state.fire('AiToEarnStatus', state.status or {})
end)

--- Insert the links to `saved` at the job's anchor (with `below`, on new lines below its line).
---@param anchor { buf: integer, mark: integer }
---@param saved string[]
---@param alt string
---@param below? boolean
---@return boolean inserted, string text
local function insert_links(anchor, saved, alt, below, video)
  local docdir = link.document_dir(anchor.buf)
  local ft = vim.api.nvim_buf_is_valid(anchor.buf) and vim.bo[anchor.buf].filetype or 'markdown'
  local links = {}
  -- A video job saves the video, then its cover: only the video is linked.
  for _, path in ipairs(video and { saved[1] } or saved) do
    links[#links + 1] = (video and link.format_video or link.format)(link.relpath(path, docdir), alt, ft)
  end
  local text = table.concat(links, '\n')
  if below then
    return link.insert_below(anchor, text), text
  end
  return link.insert(anchor, text), text
end

--- Send a request that polls a job and ends with images saved next to the document.
---@param method "image.generate"|"image.edit"|"video.generate"|"task.status"
---@param params table
---@param prompt string
---@param anchor { buf: integer, mark: integer }
---@param below? boolean insert the links on new lines below the anchor's line (an edit keeps the original)
---@param video? boolean a video job: saved in `video_dir`, linked with a plain link
function M.run_job(method, params, prompt, anchor, below, video)
  local cfg = config.get()
  next_token = next_token + 1
  local token = ('aitoearn-%d-%d'):format(vim.fn.getpid(), next_token)
  params.saveTo = link.save_dir(link.document_dir(anchor.buf), video and cfg.video_dir or cfg.image_dir)
  params.workDoneToken = token
  if cfg.timeout_ms then
    params.timeoutMs = cfg.timeout_ms
  end
  ---@type aitoearn.Job|nil
  local job = nil
  client.request(method, params, function(err, result)
    if job then
      state.jobs[job.id] = nil
      by_token[token] = nil
      state.fire('AiToEarnProgress', { id = job.id, done = true })
      if job.cancelled then
        return
      end
    end
    if err then
      link.forget(anchor)
      if err.code == -32001 then
        client.stop() -- the next command starts afresh, with a key set in the meantime
      end
      return notify(M.explain(err), vim.log.levels.ERROR)
    end
    result = type(result) == 'table' and result or {}
    result.logId = result.logId or result.id
    if result.status == 'failed' or (video and tostring(result.status):upper() == 'FAILURE') then
      link.forget(anchor)
      return notify(
        ('AiToEarn: job %s failed: %s'):format(
          tostring(result.logId),
          tostring(result.errorMessage or (type(result.error) == 'table' and result.error.message) or 'no reason given')
        ),
        vim.log.levels.ERROR
      )
    end
    local saved = result.saved
    if type(saved) ~= 'table' or #saved == 0 then
      link.forget(anchor)
      return notify(
        ('AiToEarn: job %s finished but no %s was saved.'):format(tostring(result.logId), video and 'video' or 'image'),
        vim.log.levels.ERROR
      )
    end
    local alt = prompt
    local echoed = result.request or result.input
    if method == 'task.status' and type(echoed) == 'table' and type(echoed.prompt) == 'string' then
      alt = echoed.prompt
    end
    local inserted, text = insert_links(anchor, saved, alt, below, video)
    if inserted then
      notify('AiToEarn: inserted ' .. text)
    else
      vim.fn.setreg('"', text)
      notify(
        ('AiToEarn: the %s is saved, but its buffer is gone; the link is in the unnamed register: '):format(video and 'video' or 'image')
          .. text,
        vim.log.levels.WARN
      )
    end
    state.fire('AiToEarnDone', { logId = result.logId, saved = saved, text = text })
  end, function(id)
    job = { id = id, token = token, prompt = prompt, anchor = anchor, started = vim.uv.now() }
    state.jobs[id] = job
    by_token[token] = job
    render(job)
  end)
end

--- The model names in an image.models result (an array of { name, description, ... }).
---@param result any
---@return { name: string, description?: string }[]
function M.model_items(result)
  local list = result
  if type(result) == 'table' and not vim.islist(result) then
    list = result.models or result.list or result.data or {}
  end
  local items = {}
  for _, entry in ipairs(type(list) == 'table' and list or {}) do
    if type(entry) == 'string' then
      items[#items + 1] = { name = entry }
    elseif type(entry) == 'table' and type(entry.name) == 'string' then
      local description = type(entry.description) == 'string' and entry.description or nil
      items[#items + 1] = { name = entry.name, description = description }
    end
  end
  return items
end

--- The model for a job of `kind`: the configured one, else picked with vim.ui.select over image.models.
---@param kind "generation"|"edit"|"video"
---@param cb fun(model: string|nil)
function M.pick_model(kind, cb)
  local cfg = config.get()
  local model = ({ edit = cfg.edit_model, video = cfg.video_model })[kind] or (kind == 'generation' and cfg.model or nil)
  if model and model ~= '' then
    return cb(model)
  end
  local setting = ({ edit = 'edit_model', video = 'video_model' })[kind] or 'model'
  local method, params = 'image.models', { kind = kind }
  if kind == 'video' then
    method, params = 'video.models', vim.empty_dict()
  end
  client.request(method, params, function(err, result)
    if err then
      notify(M.explain(err), vim.log.levels.ERROR)
      return cb(nil)
    end
    local items = M.model_items(result)
    if #items == 0 then
      notify(('AiToEarn: the service lists no %s model; set `%s` in require("aitoearn").setup().'):format(
        ({ edit = 'image edit', video = 'video' })[kind] or 'image',
        setting
      ), vim.log.levels.ERROR)
      return cb(nil)
    end
    vim.ui.select(items, {
      prompt = ({ edit = 'AiToEarn edit model', video = 'AiToEarn video model' })[kind] or 'AiToEarn model',
      format_item = function(item)
        return item.description and (item.name .. ' — ' .. item.description) or item.name
      end,
    }, function(choice)
      vim.schedule(function()
        vim.cmd('redraw') -- clear the list, so progress messages need no hit-enter
        cb(choice and choice.name or nil)
      end)
    end)
  end)
end

--- Whether the adapter command (`cmd`) can be run; when not, says why and what to do.
---@return boolean
function M.cmd_ok()
  local ok, msg = client.check_cmd(config.get().cmd)
  if not ok then
    notify(msg --[[@as string]], vim.log.levels.ERROR)
  end
  return ok
end

--- The prompt (`prompt`, else asked with vim.ui.input and `question`) and the model of `kind`,
--- then `start(prompt, model)`; the anchor is forgotten when either is not given.
---@param prompt? string
---@param question string
---@param kind "generation"|"edit"|"video"
---@param anchor { buf: integer, mark: integer }
---@param start fun(prompt: string, model: string)
function M.prompt_and_model(prompt, question, kind, anchor, start)
  local function with_prompt(text)
    if type(text) ~= 'string' or vim.trim(text) == '' then
      return link.forget(anchor)
    end
    text = vim.trim(text)
    M.pick_model(kind, function(model)
      if not model then
        return link.forget(anchor)
      end
      start(text, model)
    end)
  end
  if prompt and vim.trim(prompt) ~= '' then
    return with_prompt(prompt)
  end
  vim.ui.input({ prompt = question }, function(input)
    vim.schedule(function()
      vim.cmd('redraw')
      with_prompt(input)
    end)
  end)
end

--- :AiToEarnGenerate [prompt]
---@param prompt? string
function M.generate(prompt)
  if not M.cmd_ok() then
    return
  end
  local anchor = link.mark_cursor()
  M.prompt_and_model(prompt, 'Image prompt: ', 'generation', anchor, function(text, model)
    local cfg = config.get()
    local params = vim.tbl_extend('force', vim.deepcopy(cfg.params), { prompt = text, model = model })
    params.response_format = cfg.response_format or params.response_format
    M.run_job('image.generate', params, text, anchor)
  end)
end

--- :AiToEarnCancel: stop every job in flight (the adapter receives $/cancelRequest).
function M.cancel()
  local cancelled = {}
  for id, job in pairs(state.jobs) do
    job.cancelled = true
    client.cancel(id)
    state.jobs[id] = nil
    by_token[job.token] = nil
    link.forget(job.anchor)
    cancelled[#cancelled + 1] = job
  end
  if #cancelled == 0 then
    return notify('AiToEarn: nothing is being generated.')
  end
  local resumable = {}
  for _, job in ipairs(cancelled) do
    if job.logId then
      resumable[#resumable + 1] = job.logId
    end
  end
  local msg = ('AiToEarn: cancelled %d job(s); nothing was inserted.'):format(#cancelled)
  if #resumable > 0 then
    msg = msg
      .. (' Submitted jobs go on upstream (and are billed): `:AiToEarnStatus! %s` inserts the result later.'):format(
        table.concat(resumable, ' / ')
      )
  end
  notify(msg, vim.log.levels.WARN)
  state.fire('AiToEarnProgress', { cancelled = true })
end

--- :AiToEarnStatus {logId} reports a job; with [!] it waits for it and inserts its images.
---@param log_id? string
---@param resume? boolean
function M.status(log_id, resume)
  if not M.cmd_ok() then
    return
  end
  if type(log_id) ~= 'string' or vim.trim(log_id) == '' then
    return notify('AiToEarn: give the job id: `:AiToEarnStatus {logId}` (24 hex characters).', vim.log.levels.ERROR)
  end
  log_id = vim.trim(log_id)
  local anchor = resume and link.mark_cursor() or nil
  -- Image and video jobs share the id's shape: the service tells them apart (404: no image job by that id).
  client.request('task.status', { logId = log_id }, function(err, task)
    local video = err and err.code == -32010 and type(err.data) == 'table' and err.data.upstreamCode == 404
    if resume and (video or not err) then
      local params = video and { taskId = log_id, wait = true } or { logId = log_id, wait = true }
      return M.run_job('task.status', params, 'AiToEarn ' .. log_id, anchor --[[@as table]], false, video)
    end
    if video then
      return client.request('task.status', { taskId = log_id }, function(verr, vtask)
        if verr then
          return notify(M.explain(verr), vim.log.levels.ERROR)
        end
        vtask = type(vtask) == 'table' and vtask or {}
        local s = tostring(vtask.status)
        if s:upper() == 'SUCCESS' then
          notify(('AiToEarn: video job %s succeeded; `:AiToEarnStatus! %s` inserts it.'):format(log_id, log_id))
        elseif s:upper() == 'FAILURE' then
          local reason = type(vtask.error) == 'table' and vtask.error.message or 'no reason given'
          notify(('AiToEarn: video job %s failed: %s'):format(log_id, tostring(reason)), vim.log.levels.WARN)
        else
          notify(('AiToEarn: video job %s is %s (submitted %s).'):format(log_id, s, tostring(vtask.submittedAt or '?')))
        end
        state.fire('AiToEarnTask', vtask)
      end)
    end
    if anchor then
      link.forget(anchor)
    end
    if err then
      return notify(M.explain(err), vim.log.levels.ERROR)
    end
    task = type(task) == 'table' and task or {}
    local status = tostring(task.status)
    if status == 'success' then
      local n = type(task.images) == 'table' and #task.images or 0
      notify(('AiToEarn: job %s succeeded with %d image(s); `:AiToEarnStatus! %s` inserts them.'):format(log_id, n, log_id))
    elseif status == 'failed' then
      notify(('AiToEarn: job %s failed: %s'):format(log_id, tostring(task.errorMessage or 'no reason given')), vim.log.levels.WARN)
    else
      notify(('AiToEarn: job %s is %s (started %s).'):format(log_id, status, tostring(task.startedAt or '?')))
    end
    state.fire('AiToEarnTask', task)
  end)
end

return M
