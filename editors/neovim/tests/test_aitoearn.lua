-- Tests of aitoearn.nvim against the real adapter (`aitoearn-rpc --simulate`).
-- Each function gets (child, t, tmp): a fresh headless nvim, assertions, a temp folder.

local FAST = { '--simulate', '--simulate-delay-ms', '300' }

local function sim_cmd(t, extra)
  local cmd = { t.bin }
  vim.list_extend(cmd, extra or FAST)
  return cmd
end

local function setup(child, opts)
  child:lua('require("aitoearn").setup(...)', opts)
end

--- Open a document in the child's temp folder (with `lines`, and the cursor at `cursor`: { row, col }).
local function edit(child, tmp, name, lines, cursor)
  child:cmd('edit ' .. vim.fn.fnameescape(tmp .. '/' .. name))
  if lines then
    child:lua('vim.api.nvim_buf_set_lines(0, 0, -1, false, ...)', lines)
  end
  if cursor then
    child:lua('vim.api.nvim_win_set_cursor(0, ...)', cursor)
  end
end

local function notes(child)
  return child:lua('return _G.notes')
end

local function wait_note(child, what, level, timeout)
  return child:wait(
    what,
    [[
      for _, n in ipairs(_G.notes) do
        if n.level >= ... then return n.msg end
      end
    ]],
    timeout or 10000,
    level
  )
end

local function lines(child)
  return child:lua('return vim.api.nvim_buf_get_lines(0, 0, -1, false)')
end

local function is_png(t, path)
  local data = t.read(path)
  return data ~= nil and data:sub(1, 8) == '\137PNG\r\n\26\n'
end

local ERROR = vim.log.levels.ERROR
local WARN = vim.log.levels.WARN

--- Commands refused at once: `count` messages (one per command), the first an error that says
--- what is wrong (matches `wrong`) and what to do (matches `todo`); the buffer still holds `buffer`.
local function check_refused(child, t, count, wrong, todo, buffer)
  t.eq(buffer, lines(child), 'buffer')
  local ns = notes(child)
  t.eq(count, #ns, count == 1 and 'one message' or 'one message per command')
  t.eq(ERROR, ns[1].level, 'level')
  t.match(ns[1].msg, wrong, 'message says what is wrong')
  t.match(ns[1].msg, todo, 'message says what to do')
  return ns[1].msg
end

--- No message at level WARN or above.
local function check_no_warning(child, t)
  for _, n in ipairs(notes(child)) do
    t.ok(n.level < WARN, 'no warning or error: ' .. n.msg)
  end
end

--- Answer vim.ui.input with `answer` and vim.ui.select with its first item, noting in _G.asked
--- the input's prompt, the select's prompt, its items as shown (format_item) and their names.
local function answer_ui(child, answer)
  child:lua([[
    local answer = ...
    _G.asked = {}
    vim.ui.input = function(opts, cb) _G.asked.input = opts.prompt; cb(answer) end
    vim.ui.select = function(items, opts, cb)
      _G.asked.items = vim.tbl_map(function(i) return opts.format_item(i) end, items)
      _G.asked.names = vim.tbl_map(function(i) return i.name end, items)
      _G.asked.prompt = opts.prompt
      cb(items[1], 1)
    end
  ]], answer)
end

-- A real 1x1 PNG, for a document to link to.
local PICTURE = vim.base64.decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')

local function write_picture(path)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
  local f = assert(io.open(path, 'wb'))
  f:write(PICTURE)
  f:close()
end

--- The params of the first `method` request the adapter received (from its --trace-file).
local function traced_params(t, trace, method)
  for _, ev in ipairs(t.trace(trace)) do
    local m = ev.message
    if ev.dir == 'recv' and type(m) == 'table' and m.method == method then
      return m.params
    end
  end
end

--- Answer vim.ui.select with the first item whose shown text (format_item) contains `want`
--- (plainly; nil: dismiss the list), noting in _G.asked the prompt and every item as shown.
local function pick_job(child, want)
  child:lua([[
    local want = ...
    _G.asked = nil
    vim.ui.select = function(items, opts, cb)
      _G.asked = { prompt = opts.prompt, items = vim.tbl_map(function(i) return opts.format_item(i) end, items) }
      for i, item in ipairs(items) do
        if want and opts.format_item(item):find(want, 1, true) then
          return cb(item, i)
        end
      end
      cb(nil, nil)
    end
  ]], want)
end

--- Note in _G.done the data of the last AiToEarnDone, and in _G.progress every AiToEarnProgress.
local function record_events(child)
  child:lua([[
    _G.done, _G.progress = nil, {}
    vim.api.nvim_create_autocmd('User', { pattern = 'AiToEarnDone', callback = function(ev) _G.done = ev.data end })
    vim.api.nvim_create_autocmd('User', { pattern = 'AiToEarnProgress', callback = function(ev)
      table.insert(_G.progress, ev.data) end })
  ]])
end

-- A picker line: kind · status · model[ · action] · created (UTC) · id.
local WHEN = '%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d UTC'

return {
  {
    'the plugin file defines the commands',
    function(child, t)
      for _, name in ipairs({ 'AiToEarnGenerate', 'AiToEarnEdit', 'AiToEarnVideo', 'AiToEarnStatus', 'AiToEarnCancel' }) do
        t.eq(2, child:lua('return vim.fn.exists(":" .. ...)', name), ':' .. name)
      end
    end,
  },
  {
    ':AiToEarnGenerate a red fox inserts a Markdown link to a saved PNG',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t), model = 'sim-image' })
      child:lua([[
        _G.progress = {}
        vim.api.nvim_create_autocmd('User', { pattern = 'AiToEarnProgress', callback = function(ev)
          table.insert(_G.progress, ev.data) end })
      ]])
      edit(child, tmp, 'notes.md', { 'Intro', '' }, { 2, 0 })
      child:cmd('AiToEarnGenerate a red fox')
      -- The user goes on writing above the cursor while the job runs.
      child:lua('vim.api.nvim_buf_set_lines(0, 0, 0, false, { "# Title" })')
      local line = child:wait('the link on line 3', 'local l = vim.api.nvim_buf_get_lines(0, 2, 3, false)[1]; return l ~= "" and l', 15000)
      local rel = t.match(line, '^!%[a red fox%]%((images/[^)]+%.png)%)$', 'inserted line')
      t.eq({ '# Title', 'Intro' }, vim.list_slice(lines(child), 1, 2), 'the lines above')
      t.ok(is_png(t, tmp .. '/' .. rel), 'the linked file is a PNG: ' .. tmp .. '/' .. rel)
      t.ok(#child:lua('return _G.progress') >= 1, 'progress was reported')
      check_no_warning(child, t)
      t.eq('AiToEarn: ok', child:lua('return require("aitoearn").statusline()'), 'statusline')
    end,
  },
  {
    'without a prompt or model it asks with vim.ui.input and vim.ui.select over image.models',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t) })
      answer_ui(child, 'a blue bird')
      edit(child, tmp, 'doc.md')
      child:cmd('AiToEarnGenerate')
      local line = child:wait('the link', 'local l = vim.api.nvim_get_current_line(); return l ~= "" and l', 15000)
      t.match(line, '^!%[a blue bird%]%(images/[^)]+%.png%)$', 'inserted line')
      local asked = child:lua('return _G.asked')
      t.ok(asked.input ~= nil, 'vim.ui.input was used')
      t.match(asked.items[1], '^sim%-image', 'first model offered')
      t.ok(#asked.items >= 2, 'every model offered: ' .. vim.inspect(asked.items))
    end,
  },
  {
    'an Org buffer gets an Org link',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t), model = 'sim-image', image_dir = 'pics' })
      edit(child, tmp, 'notes.org')
      child:lua('vim.bo.filetype = "org"')
      child:cmd('AiToEarnGenerate an owl')
      local line = child:wait('the link', 'local l = vim.api.nvim_get_current_line(); return l ~= "" and l', 15000)
      local rel = t.match(line, '^%[%[file:(pics/[^%]]+%.png)%]%]$', 'inserted line')
      t.ok(is_png(t, tmp .. '/' .. rel), 'the linked file is a PNG')
    end,
  },
  {
    ':AiToEarnEdit on a Markdown image link links the edited PNG on the next line, the original stays',
    function(child, t, tmp)
      local trace = tmp .. '/trace.ndjson'
      setup(child, { cmd = sim_cmd(t, { '--simulate', '--simulate-delay-ms', '300', '--trace-file', trace }), edit_model = 'sim-edit' })
      write_picture(tmp .. '/pics/harbour.png')
      edit(child, tmp, 'notes.md', { 'Intro', 'See ![the harbour](pics/harbour.png) at dusk.', 'Outro' }, { 2, 10 })
      child:cmd('AiToEarnEdit make the sky darker')
      local line = child:wait('the new link on line 3', [[
        local l = vim.api.nvim_buf_get_lines(0, 2, 3, false)[1]; return l ~= 'Outro' and l
      ]], 15000)
      local rel = t.match(line, '^!%[make the sky darker%]%((images/[^)]+%.png)%)$', 'inserted line')
      t.eq({ 'Intro', 'See ![the harbour](pics/harbour.png) at dusk.', line, 'Outro' }, lines(child), 'buffer')
      t.ok(is_png(t, tmp .. '/' .. rel), 'the new link points to a PNG: ' .. rel)
      t.ok(t.read(tmp .. '/' .. rel) ~= PICTURE, 'a new picture, not the original')
      t.eq(PICTURE, t.read(tmp .. '/pics/harbour.png'), 'the original is untouched')
      local params = traced_params(t, trace, 'image.edit')
      t.eq(vim.uv.fs_realpath(tmp) .. '/pics/harbour.png', vim.uv.fs_realpath(params.image), 'the picture sent')
      t.eq('sim-edit', params.model, 'model')
      check_no_warning(child, t)
    end,
  },
  {
    ':AiToEarnEdit on an Org file link asks the prompt and an edit model, and links below',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t) })
      answer_ui(child, 'remove the text')
      write_picture(tmp .. '/harbour.png')
      edit(child, tmp, 'notes.org', { '* Harbour', '[[file:harbour.png][the harbour]]' })
      child:lua('vim.bo.filetype = "org"; vim.api.nvim_win_set_cursor(0, {2, 3})')
      child:cmd('AiToEarnEdit')
      local line = child:wait('the new link on line 3', 'return vim.api.nvim_buf_get_lines(0, 2, 3, false)[1]', 15000)
      local rel = t.match(line, '^%[%[file:(images/[^%]]+%.png)%]%]$', 'inserted line')
      t.ok(is_png(t, tmp .. '/' .. rel), 'the linked file is a PNG')
      t.eq('[[file:harbour.png][the harbour]]', lines(child)[2], 'the original link stays')
      local asked = child:lua('return _G.asked')
      t.ok(asked.input ~= nil, 'vim.ui.input was used')
      t.eq({ 'sim-edit', 'sim-edit-single' }, asked.names, 'the edit models were offered')
      t.eq('AiToEarn edit model', asked.prompt, 'select prompt')
    end,
  },
  {
    ':AiToEarnEdit with no image link under the cursor: one clear message, nothing sent',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t), edit_model = 'sim-edit' })
      edit(child, tmp, 'plain.md', { 'Some text, ![a link](far.png) further on.' }, { 1, 2 })
      child:cmd('AiToEarnEdit make it blue')
      check_refused(child, t, 1, 'image link', ':AiToEarnEdit', { 'Some text, ![a link](far.png) further on.' })
      t.eq(false, child:lua('return require("aitoearn.client").is_running()'), 'the adapter was not even started')
    end,
  },
  {
    'image links are found under the cursor in their Markdown and Org forms',
    function(child, t)
      local found = child:lua([==[
        local link = require('aitoearn.link')
        local out = {}
        for _, line in ipairs({
          '![a](x.png)', 'x ![a \\[b\\]](<my pic.png> "title") y', '![](https://h/p.png?a=1)',
          '[[file:~/pics/a.png]]', '[[file:b.png::12][desc]]', 'no link here', '[link](not-image.png)',
        }) do
          out[#out + 1] = vim.tbl_map(function(l) return { l.s, l.e, l.target } end, link.image_links(line))
        end
        return out
      ]==])
      t.eq({ { 1, 11, 'x.png' } }, found[1], 'plain')
      t.eq({ { 3, 34, 'my pic.png' } }, found[2], 'angle brackets and a title')
      t.eq({ { 1, 24, 'https://h/p.png?a=1' } }, found[3], 'URL')
      t.eq({ { 1, 21, '~/pics/a.png' } }, found[4], 'Org')
      t.eq({ { 1, 24, 'b.png' } }, found[5], 'Org with a search option and a description')
      t.eq({}, found[6], 'none')
      t.eq({}, found[7], 'a plain link is no image')
      t.eq('/d/pics/a b.png', child:lua([[return require('aitoearn.link').resolve('pics/a b.png', '/d')]]), 'relative')
      t.eq('https://h/p.png', child:lua([[return require('aitoearn.link').resolve('https://h/p.png', '/d')]]), 'URL')
    end,
  },
  {
    ':AiToEarnCancel during a slow job sends $/cancelRequest and inserts nothing',
    function(child, t, tmp)
      local trace = tmp .. '/trace.ndjson'
      setup(child, {
        cmd = sim_cmd(t, { '--simulate', '--simulate-delay-ms', '60000', '--trace-file', trace }),
        model = 'sim-image',
      })
      edit(child, tmp, 'slow.md')
      child:cmd('AiToEarnGenerate a slow tortoise')
      local id = child:wait('the job to be submitted', [[
        for id, job in pairs(require('aitoearn.state').jobs) do
          if job.logId then return id end
        end
      ]], 15000)
      t.match(child:lua('return require("aitoearn").statusline()'), '^AiToEarn: generating', 'statusline during the job')
      child:cmd('AiToEarnCancel')
      local deadline = vim.uv.hrtime() / 1e6 + 5000
      local found = false
      while not found and vim.uv.hrtime() / 1e6 < deadline do
        for _, ev in ipairs(t.trace(trace)) do
          local m = ev.message
          if ev.dir == 'recv' and type(m) == 'table' and m.method == '$/cancelRequest' then
            t.eq(id, m.params and m.params.id, 'the cancelled id')
            found = true
          end
        end
        vim.wait(50)
      end
      t.ok(found, 'the adapter received $/cancelRequest (trace ' .. trace .. ')')
      t.eq({ '' }, lines(child), 'buffer')
      t.match(wait_note(child, 'the cancel message', WARN), 'cancelled', 'message')
      t.eq(0, child:lua('return require("aitoearn.state").count()'), 'jobs left')
      vim.wait(500)
      t.eq({ '' }, lines(child), 'buffer still empty')
    end,
  },
  {
    ':AiToEarnStatus reports a job, :AiToEarnStatus! inserts its image',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t), model = 'sim-image' })
      child:lua([[
        _G.done = nil
        vim.api.nvim_create_autocmd('User', { pattern = 'AiToEarnDone', callback = function(ev) _G.done = ev.data end })
      ]])
      edit(child, tmp, 'a.md')
      child:cmd('AiToEarnGenerate a cat')
      local done = child:wait('the job', 'return _G.done', 15000)
      local log_id = t.match(done.logId, '^%x+$', 'logId')
      child:lua('_G.notes = {}')
      child:cmd('AiToEarnStatus ' .. log_id)
      t.match(wait_note(child, 'the status', vim.log.levels.INFO), 'succeeded', 'status message')
      child:lua('_G.notes = {}; vim.api.nvim_buf_set_lines(0, 0, -1, false, {""})')
      child:cmd('AiToEarnStatus! ' .. log_id)
      local line = child:wait('the link', 'local l = vim.api.nvim_get_current_line(); return l ~= "" and l', 15000)
      t.match(line, '^!%[.*%]%(images/[^)]+%.png%)$', 'inserted line')
    end,
  },
  {
    ':AiToEarnVideo a paper boat links the saved MP4 where it was started, with progress',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t), video_model = 'sim-video' })
      child:lua([[
        _G.progress = {}
        vim.api.nvim_create_autocmd('User', { pattern = 'AiToEarnProgress', callback = function(ev)
          if ev.data.status then table.insert(_G.progress, ev.data.status) end end })
      ]])
      edit(child, tmp, 'notes.md', { 'Intro', '' }, { 2, 0 })
      child:cmd('AiToEarnVideo a paper boat')
      -- The user moves on and writes above while the job runs.
      child:lua('vim.api.nvim_buf_set_lines(0, 0, 0, false, { "# Title" }); vim.api.nvim_win_set_cursor(0, {1, 0})')
      local line = child:wait('the link on line 3', 'local l = vim.api.nvim_buf_get_lines(0, 2, 3, false)[1]; return l ~= "" and l', 15000)
      local rel = t.match(line, '^%[a paper boat%]%((videos/%x+%.mp4)%)$', 'inserted line')
      t.eq('ftyp', (t.read(tmp .. '/' .. rel) or ''):sub(5, 8), 'the linked file is an MP4: ' .. rel)
      t.ok(vim.tbl_contains(child:lua('return _G.progress'), 'InProgress'), 'the service status was shown')
      check_no_warning(child, t)
    end,
  },
  {
    ':AiToEarnVideo asks for a video model; an Org buffer gets an Org link',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t) })
      answer_ui(child, 'an owl at night')
      edit(child, tmp, 'notes.org')
      child:lua('vim.bo.filetype = "org"')
      child:cmd('AiToEarnVideo')
      local line = child:wait('the link', 'local l = vim.api.nvim_get_current_line(); return l ~= "" and l', 15000)
      t.match(line, '^%[%[file:videos/%x+%.mp4%]%]$', 'inserted line')
      t.eq('sim-video', child:lua('return _G.asked.names[1]'), 'video models offered')
    end,
  },
  {
    ':AiToEarnCancel during a video job names its taskId; :AiToEarnStatus! fetches it later',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t, { '--simulate', '--simulate-delay-ms', '2000' }), video_model = 'sim-video' })
      edit(child, tmp, 'slow.md')
      child:cmd('AiToEarnVideo a slow tortoise')
      local task_id = child:wait('the job to be submitted', [[
        for _, job in pairs(require('aitoearn.state').jobs) do
          if job.logId then return job.logId end
        end
      ]], 15000)
      child:cmd('AiToEarnCancel')
      t.match(wait_note(child, 'the cancel message', WARN), task_id, 'the message names the job')
      t.eq({ '' }, lines(child), 'nothing inserted')
      child:lua('_G.notes = {}')
      child:cmd('AiToEarnStatus! ' .. task_id)
      local line = child:wait('the link', 'local l = vim.api.nvim_get_current_line(); return l ~= "" and l', 15000)
      t.match(line, '^%[a slow tortoise%]%(videos/' .. task_id .. '%.mp4%)$', 'inserted line')
    end,
  },
  {
    ':AiToEarnJobs lists your jobs; a finished one is saved next to this document and linked at the cursor',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t), model = 'sim-image' })
      record_events(child)
      edit(child, tmp, 'a.md')
      child:cmd('AiToEarnGenerate a cat')
      local log_id = t.match(child:wait('the job', 'return _G.done', 15000).logId, '^%x+$', 'logId')
      -- Another document, in another folder: the picture is saved again, next to it.
      vim.fn.mkdir(tmp .. '/other', 'p')
      edit(child, tmp, 'other/b.md', { 'Before', '', 'After' }, { 2, 0 })
      child:lua('_G.notes = {}; _G.done = nil')
      pick_job(child, log_id)
      child:cmd('AiToEarnJobs')
      local line = child:wait('the link on line 2', 'local l = vim.api.nvim_buf_get_lines(0, 1, 2, false)[1]; return l ~= "" and l', 15000)
      local rel = 'images/' .. log_id .. '-1.png'
      t.eq('![a cat](' .. rel .. ')', line, 'inserted line')
      t.eq({ 'Before', line, 'After' }, lines(child), 'buffer')
      t.ok(is_png(t, tmp .. '/other/' .. rel), 'the linked file is a PNG next to this document: ' .. rel)
      local asked = child:lua('return _G.asked')
      t.eq('AiToEarn job', asked.prompt, 'select prompt')
      t.eq(1, #asked.items, 'one job listed: ' .. vim.inspect(asked.items))
      t.match(asked.items[1], '^image · success · sim%-image · generation · ' .. WHEN .. ' · ' .. log_id .. '$', 'the job as listed')
      t.eq(2, child:lua('return vim.fn.exists(":AiToEarnJobs")'), ':AiToEarnJobs is defined')
      check_no_warning(child, t)
    end,
  },
  {
    ':AiToEarnJobs follows a running job with progress and links it when it ends',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t, { '--simulate', '--simulate-delay-ms', '1500' }), model = 'sim-image' })
      edit(child, tmp, 'slow.md')
      child:cmd('AiToEarnGenerate a slow tortoise')
      local log_id = child:wait('the job to be submitted', [[
        for _, job in pairs(require('aitoearn.state').jobs) do
          if job.logId then return job.logId end
        end
      ]], 15000)
      child:cmd('AiToEarnCancel') -- stop waiting; the job goes on
      record_events(child)
      child:lua('_G.notes = {}')
      pick_job(child, log_id)
      child:cmd('AiToEarnJobs')
      local line = child:wait('the link', 'local l = vim.api.nvim_get_current_line(); return l ~= "" and l', 15000)
      t.eq('![a slow tortoise](images/' .. log_id .. '-1.png)', line, 'inserted line')
      t.ok(is_png(t, tmp .. '/images/' .. log_id .. '-1.png'), 'the linked file is a PNG')
      t.match(child:lua('return _G.asked.items[1]'), '^image · generating · sim%-image · ', 'listed as running')
      local followed = vim.tbl_filter(function(p)
        return p.logId == log_id and p.status == 'generating'
      end, child:lua('return _G.progress'))
      t.ok(#followed >= 1, 'its progress was shown while it ran')
      t.eq(log_id, child:lua('return _G.done.logId'), 'AiToEarnDone')
      check_no_warning(child, t)
    end,
  },
  {
    ':AiToEarnJobs lists both kinds newest first; :AiToEarnJobs video only videos, linked as a video',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t), model = 'sim-image', video_model = 'sim-video' })
      record_events(child)
      edit(child, tmp, 'a.md')
      child:cmd('AiToEarnGenerate a cat')
      local log_id = child:wait('the image job', 'return _G.done', 15000).logId
      child:lua('_G.done = nil; vim.api.nvim_buf_set_lines(0, 0, -1, false, { "" })')
      child:cmd('AiToEarnVideo a paper boat')
      local task_id = child:wait('the video job', 'return _G.done', 15000).logId
      child:lua('vim.api.nvim_buf_set_lines(0, 0, -1, false, { "Intro", "" }); vim.api.nvim_win_set_cursor(0, { 2, 0 })')
      child:lua('_G.notes = {}')
      pick_job(child, nil) -- the list dismissed: nothing happens
      child:cmd('AiToEarnJobs')
      local items = child:wait('the list', 'return _G.asked and _G.asked.items', 10000)
      t.eq(2, #items, 'both jobs: ' .. vim.inspect(items))
      t.match(items[1], '^video · success · sim%-video · ' .. WHEN .. ' · ' .. task_id .. '$', 'the video, newest')
      t.match(items[2], '^image · success · sim%-image · generation · ' .. WHEN .. ' · ' .. log_id .. '$', 'then the image')
      vim.wait(200)
      t.eq({ 'Intro', '' }, lines(child), 'nothing inserted when dismissed')
      t.eq({}, notes(child), 'no message when dismissed')
      pick_job(child, task_id)
      child:cmd('AiToEarnJobs video')
      local line = child:wait('the link', 'local l = vim.api.nvim_get_current_line(); return l ~= "" and l', 15000)
      t.eq(1, #child:lua('return _G.asked.items'), 'only the video listed')
      t.eq('[a paper boat](videos/' .. task_id .. '.mp4)', line, 'inserted line')
      t.eq('ftyp', (t.read(tmp .. '/videos/' .. task_id .. '.mp4') or ''):sub(5, 8), 'the linked file is an MP4')
      check_no_warning(child, t)
    end,
  },
  {
    ':AiToEarnJobs on a failed job shows its error and inserts nothing',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t), model = 'sim-image-fail' })
      edit(child, tmp, 'f.md')
      child:cmd('AiToEarnGenerate a doomed cat')
      local failed = wait_note(child, 'the job to fail', ERROR, 15000)
      local log_id = t.match(failed, '(' .. ('%x'):rep(24) .. ')', 'the failed job named')
      child:lua('_G.notes = {}')
      edit(child, tmp, 'g.md', { 'Text' }, { 1, 4 })
      pick_job(child, log_id)
      child:cmd('AiToEarnJobs')
      local msg = wait_note(child, 'the error', ERROR, 15000)
      t.eq('AiToEarn: job ' .. log_id .. ' failed: Simulated failure (model sim-image-fail).', msg, 'message')
      t.match(child:lua('return _G.asked.items[1]'), '^image · failed · sim%-image%-fail · ', 'listed as failed')
      vim.wait(300)
      t.eq({ 'Text' }, lines(child), 'nothing inserted')
      t.eq(1, #notes(child), 'one message')
      t.eq(false, vim.uv.fs_stat(tmp .. '/images') ~= nil, 'nothing saved')
    end,
  },
  {
    ':AiToEarnJobs with no jobs yet, or an unknown kind: one message, no list, nothing inserted',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t) })
      pick_job(child, '')
      edit(child, tmp, 'n.md', { 'Text' })
      child:cmd('AiToEarnJobs')
      t.eq('AiToEarn: you have no jobs yet.', wait_note(child, 'the message', vim.log.levels.INFO), 'message')
      child:lua('_G.notes = {}')
      child:cmd('AiToEarnJobs pictures')
      check_refused(child, t, 1, 'no job kind "pictures"', ':AiToEarnJobs video', { 'Text' })
      t.eq(vim.NIL, child:lua('return _G.asked'), 'no list shown')
    end,
  },
  {
    ':AiToEarnStatus with a malformed id shows the adapter\'s error',
    function(child, t)
      setup(child, { cmd = sim_cmd(t) })
      child:cmd('AiToEarnStatus nope')
      t.match(wait_note(child, 'the error', ERROR), '^AiToEarn: ', 'message')
    end,
  },
  {
    'a failed job shows one error and inserts nothing',
    function(child, t, tmp)
      setup(child, { cmd = sim_cmd(t), model = 'sim-image-fail' })
      edit(child, tmp, 'f.md')
      child:cmd('AiToEarnGenerate a doomed cat')
      t.match(wait_note(child, 'the error', ERROR, 15000), '^AiToEarn: ', 'message')
      t.eq({ '' }, lines(child), 'buffer')
    end,
  },
  {
    'a missing binary: one clear message, no prompt, nothing inserted',
    function(child, t, tmp)
      setup(child, { cmd = { tmp .. '/no/such/aitoearn-rpc', '--simulate' }, model = 'sim-image' })
      child:lua('_G.asked = false; vim.ui.input = function() _G.asked = true end')
      edit(child, tmp, 'm.md')
      child:cmd('AiToEarnGenerate')
      child:cmd('AiToEarnGenerate a red fox')
      local msg = check_refused(child, t, 2, 'not found', 'setup', { '' })
      t.eq(false, child:lua('return _G.asked'), 'no prompt was asked')
      for _, how in ipairs({ 'uv tool install aitoearn%-rpc', 'pipx install aitoearn%-rpc', 'release archive', '`cmd`' }) do
        t.match(msg, how, 'the message says how to install and point `cmd` at it')
      end
    end,
  },
  {
    'no API key (real-service mode): one clear message, nothing inserted, statusline says so',
    function(child, t, tmp)
      -- No --simulate and no key: the adapter answers -32001 without any HTTP request.
      -- The base URL points at a closed loopback port so nothing can leave the machine.
      setup(child, {
        cmd = { t.bin, '--base-url', 'http://127.0.0.1:9', '--retry-base-delay-ms', '10' },
        model = 'sim-image',
      })
      edit(child, tmp, 'k.md')
      child:cmd('AiToEarnGenerate a red fox')
      local msg = wait_note(child, 'the error', WARN, 15000)
      t.match(msg, 'AITOEARN_API_KEY', 'message says what to do')
      vim.wait(300)
      local serious = vim.tbl_filter(function(n)
        return n.level >= WARN
      end, notes(child))
      t.eq(1, #serious, 'exactly one message')
      t.eq({ '' }, lines(child), 'buffer')
      child:wait('the statusline', [[return require('aitoearn').statusline() == 'AiToEarn: set API key']], 5000)
    end,
  },
  {
    ':checkhealth aitoearn reports OK',
    function(child, t)
      setup(child, { cmd = sim_cmd(t), model = 'sim-image' })
      child:cmd('checkhealth aitoearn')
      local report = table.concat(lines(child), '\n')
      t.match(report, 'OK[^\n]*aitoearn%-rpc', 'adapter found and --version ran')
      local expected = child:lua([[return require('aitoearn.version')]])
      t.match(report, 'OK[^\n]*aitoearn%-rpc ' .. vim.pesc(expected) .. ' at ' .. vim.pesc(t.bin), 'its version and path')
      t.match(report, 'OK[^\n]*API key', 'key check')
      t.ok(not report:find('ERROR'), 'no ERROR in:\n' .. report)
      t.ok(not report:find('WARNING'), 'no WARNING in:\n' .. report)
    end,
  },
  {
    ':checkhealth aitoearn warns when the adapter is older than the plugin expects',
    function(child, t, tmp)
      local old = tmp .. '/old-aitoearn-rpc'
      vim.fn.writefile({ '#!/bin/sh', 'echo "aitoearn-rpc 0.0.1"' }, old)
      vim.fn.setfperm(old, 'rwxr-xr-x')
      setup(child, { cmd = { old, '--simulate' } })
      child:cmd('checkhealth aitoearn')
      local report = table.concat(lines(child), '\n')
      local expected = child:lua([[return require('aitoearn.version')]])
      t.match(report, 'WARNING[^\n]*0%.0%.1, older than ' .. vim.pesc(expected), 'report')
      t.match(report, 'uv tool upgrade aitoearn%-rpc', 'how to upgrade')
    end,
  },
  {
    ':checkhealth aitoearn reports a missing binary as an error',
    function(child, t, tmp)
      setup(child, { cmd = { tmp .. '/missing-rpc' } })
      child:cmd('checkhealth aitoearn')
      local report = table.concat(lines(child), '\n')
      t.match(report, 'ERROR[^\n]*not found', 'report')
      t.match(report, 'uv tool install aitoearn%-rpc', 'how to install')
    end,
  },
}
