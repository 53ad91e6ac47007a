---@mod aitoearn AiToEarn image generation for Neovim, through the aitoearn-rpc adapter
---
--- require('aitoearn').setup({ model = 'sim-image', image_dir = 'images' })
--- :AiToEarnGenerate a red fox   -> ![a red fox](images/<logId>-1.png) at the cursor
--- :AiToEarnEdit darker sky       -> on an image link: ![darker sky](images/<logId>-1.png) on the next line
--- :AiToEarnJobs                   -> pick a recent job: its link at the cursor

local M = {}

--- Configure the plugin (see aitoearn.Config); restarts the adapter if it runs.
---@param opts? aitoearn.Config|table
function M.setup(opts)
  require('aitoearn.config').set(opts)
  local client = require('aitoearn.client')
  if client.is_running() then
    client.stop()
  end
end

--- Generate an image for `prompt` (asks when nil) and link it at the cursor.
---@param prompt? string
function M.generate(prompt)
  require('aitoearn.generate').generate(prompt)
end

--- Edit the picture whose link is under the cursor with `prompt` (asks when nil); the link to
--- the new picture goes on the next line.
---@param prompt? string
function M.edit(prompt)
  require('aitoearn.edit').edit(prompt)
end

--- Generate a video for `prompt` (asks when nil) and link it at the cursor.
---@param prompt? string
function M.video(prompt)
  require('aitoearn.video').video(prompt)
end

--- Cancel every job in flight.
function M.cancel()
  require('aitoearn.generate').cancel()
end

--- Report a job by its id (an image job's logId or a video job's taskId); with `resume`, wait for it and link what it made.
---@param log_id string
---@param resume? boolean
function M.status(log_id, resume)
  require('aitoearn.generate').status(log_id, resume)
end

--- Pick one of your recent jobs (task.list; `kind` "image" or "video", default both) and link
--- what it made at the cursor, following it first when it is still running.
---@param kind? string
function M.jobs(kind)
  require('aitoearn.jobs').jobs(kind)
end

--- For the statusline: `%{v:lua.require'aitoearn'.statusline()}`.
---@return string
function M.statusline()
  return require('aitoearn.state').statusline()
end

--- Stop the adapter process (it starts again on the next command).
function M.stop()
  require('aitoearn.client').stop()
end

return M
