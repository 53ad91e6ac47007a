-- aitoearn.nvim: commands only; the work happens in lua/aitoearn/ when first used.
if vim.g.loaded_aitoearn then
  return
end
vim.g.loaded_aitoearn = 1

if vim.fn.has('nvim-0.10') == 0 then
  vim.notify('aitoearn.nvim needs Neovim 0.10 or later', vim.log.levels.WARN)
  return
end

vim.api.nvim_create_user_command('AiToEarnGenerate', function(o)
  require('aitoearn').generate(o.args)
end, { nargs = '*', desc = 'AiToEarn: generate an image and link it at the cursor' })

vim.api.nvim_create_user_command('AiToEarnEdit', function(o)
  require('aitoearn').edit(o.args)
end, { nargs = '*', desc = 'AiToEarn: edit the picture whose link is under the cursor; link the new one below' })

vim.api.nvim_create_user_command('AiToEarnVideo', function(o)
  require('aitoearn').video(o.args)
end, { nargs = '*', desc = 'AiToEarn: generate a video and link it at the cursor' })

vim.api.nvim_create_user_command('AiToEarnStatus', function(o)
  require('aitoearn').status(o.args, o.bang)
end, { nargs = '?', bang = true, desc = 'AiToEarn: report a job by its logId or taskId ([!]: wait and insert what it made)' })

vim.api.nvim_create_user_command('AiToEarnJobs', function(o)
  require('aitoearn').jobs(o.args)
end, {
  nargs = '?',
  complete = function()
    return { 'image', 'video' }
  end,
  desc = 'AiToEarn: pick one of your recent jobs (all, image or video) and link what it made at the cursor',
})

vim.api.nvim_create_user_command('AiToEarnCancel', function()
  require('aitoearn').cancel()
end, { nargs = 0, desc = 'AiToEarn: cancel the jobs in flight' })

vim.api.nvim_create_autocmd('VimLeavePre', {
  group = vim.api.nvim_create_augroup('aitoearn', { clear = true }),
  callback = function()
    local client = package.loaded['aitoearn.client']
    if client and client.is_running() then
      client.stop(300)
    end
  end,
})
