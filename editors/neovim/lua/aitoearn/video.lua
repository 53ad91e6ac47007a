---@mod aitoearn.video :AiToEarnVideo: generate a video and link it at the cursor

local generate = require('aitoearn.generate')
local link = require('aitoearn.link')

local M = {}

--- :AiToEarnVideo [prompt]: the video (it takes minutes) goes into `video_dir`; a link to it is
--- inserted where the command was started, however the buffer changed meanwhile.
---@param prompt? string
function M.video(prompt)
  if not generate.cmd_ok() then
    return
  end
  local anchor = link.mark_cursor()
  generate.prompt_and_model(prompt, 'Video prompt: ', 'video', anchor, function(text, model)
    generate.run_job('video.generate', { prompt = text, model = model }, text, anchor, false, true)
  end)
end

return M
