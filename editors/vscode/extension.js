'use strict';
// AiToEarn for VS Code: "AiToEarn: Generate Image" links a generated picture at the cursor;
// "AiToEarn: Edit Image" edits the picture whose link is under the cursor and links the new one below;
// "AiToEarn: Generate Video" links a generated video at the place it was started;
// "AiToEarn: Recent Jobs" links one of your recent jobs, picked from a list.
// Plain JavaScript, no build step, no dependency: the JSON-RPC client is ./lib/client.js.

const vscode = require('vscode');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { AiToEarnClient, findExecutable, notFoundMessage, parseVersion, olderThan } = require('./lib/client');
const links = require('./lib/links');

const SECRET_KEY = 'aitoearn.apiKey';

/** @type {AiToEarnClient|null} */
let client = null;
/** @type {Promise<AiToEarnClient>|null} */
let starting = null;
let clientSignature = '';
/** @type {vscode.StatusBarItem|null} */
let statusItem = null;
let lastStatus = null;
let lastLogId = '';
/** Jobs in flight: JSON-RPC id -> { prompt, status, poll, elapsedMs, started } */
const jobs = new Map();

function settings() {
  const cfg = vscode.workspace.getConfiguration('aitoearn');
  const command = cfg.get('command');
  return {
    command: Array.isArray(command) && command.length > 0 ? command.map(String) : ['aitoearn-rpc'],
    region: cfg.get('region') || '',
    model: cfg.get('model') || '',
    editModel: cfg.get('editModel') || '',
    videoModel: cfg.get('videoModel') || '',
    videoFolder: cfg.get('videoFolder') || 'videos',
    responseFormat: cfg.get('responseFormat') || '',
    imageFolder: cfg.get('imageFolder') || 'images',
  };
}

// ---- status bar ---------------------------------------------------------------------

function updateStatusBar() {
  if (!statusItem) return;
  if (jobs.size > 0) {
    const newest = [...jobs.values()].pop();
    const seconds = Math.floor((newest.elapsedMs ?? Date.now() - newest.started) / 1000);
    statusItem.text = `$(sync~spin) AiToEarn: ${newest.status || 'submitting'} ${seconds}s`;
    statusItem.tooltip = `Generating "${newest.prompt}"`;
    statusItem.command = undefined;
    statusItem.show();
    return;
  }
  if (!lastStatus) {
    statusItem.hide();
    return;
  }
  const action = lastStatus.action;
  const actionText = { 'set-api-key': 'set API key', 'top-up-credits': 'top up credits', 'check-network': 'check network' };
  if (lastStatus.kind === 'ok') {
    statusItem.text = '$(check) AiToEarn';
  } else {
    const icon = lastStatus.kind === 'error' ? '$(error)' : '$(warning)';
    statusItem.text = `${icon} AiToEarn: ${actionText[action] || lastStatus.kind}`;
  }
  statusItem.tooltip = String(lastStatus.message || '');
  statusItem.command = action === 'set-api-key' ? 'aitoearn.setApiKey' : 'aitoearn.generateImage';
  statusItem.show();
}

// ---- the adapter ----------------------------------------------------------------------

function documentDir(document) {
  if (document && document.uri && document.uri.scheme === 'file' && !document.isUntitled) {
    return path.dirname(document.uri.fsPath);
  }
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  return folder ? folder.uri.fsPath : null;
}

async function stopClient() {
  const old = client;
  client = null;
  starting = null;
  clientSignature = '';
  if (old) await old.stop();
}

/** The running adapter for the current settings and key, started if needed. */
async function getClient(context) {
  const cfg = settings();
  const apiKey = await context.secrets.get(SECRET_KEY);
  const initializationOptions = {};
  if (apiKey) initializationOptions.apiKey = apiKey;
  if (cfg.region) initializationOptions.region = cfg.region;
  const signature = JSON.stringify([cfg.command, initializationOptions]);
  if (client && client.running && signature === clientSignature) return client;
  if (starting && signature === clientSignature) return starting;
  await stopClient();
  clientSignature = signature;
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const next = new AiToEarnClient({
    command: cfg.command,
    cwd: folder ? folder.uri.fsPath : os.homedir(),
    initializationOptions,
  });
  next.on('status.changed', (params) => {
    lastStatus = params;
    updateStatusBar();
  });
  next.on('task.progress', (params) => {
    const job = params && jobs.get(params.requestId);
    if (!job) return;
    const logId = params.logId || params.taskId;
    Object.assign(job, { status: params.status, poll: params.poll, elapsedMs: params.elapsedMs, logId });
    if (logId) lastLogId = logId;
    updateStatusBar();
    if (job.report) job.report(job);
  });
  next.on('exit', () => {
    if (client === next) {
      client = null;
      clientSignature = '';
    }
  });
  starting = next.start().then(
    () => {
      if (clientSignature === signature) {
        client = next;
        starting = null;
      }
      return next;
    },
    (err) => {
      if (clientSignature === signature) {
        starting = null;
        clientSignature = '';
      }
      next.stop().catch(() => {});
      throw err;
    },
  );
  return starting;
}

/** Show one message for `err`, offering the fix when there is one. */
async function showError(err) {
  const { text, action } = links.explain(err);
  if (action === 'set-api-key') {
    await stopClient(); // so that a key set now is used by the next command
    const choice = await vscode.window.showErrorMessage(text, 'Set API Key');
    if (choice === 'Set API Key') await vscode.commands.executeCommand('aitoearn.setApiKey');
  } else if (err && err.code === 'ENOENT') {
    const choice = await vscode.window.showErrorMessage(text, 'Open Settings');
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'aitoearn.command');
  } else {
    await vscode.window.showErrorMessage(text);
  }
}

/** A clear message when the adapter command cannot run; true when it can. */
async function checkCommand() {
  const { command } = settings();
  if (findExecutable(command[0])) return true;
  await showError({ code: 'ENOENT', message: notFoundMessage(command[0]) });
  return false;
}

/**
 * "AiToEarn: Check Adapter" (the :checkhealth of VS Code): the adapter's path and version, a
 * warning when it is older than this extension (package.json's version, from VERSION).
 * @returns {Promise<{ level: 'info'|'warning'|'error', text: string }>}
 */
async function checkAdapter() {
  const { command } = settings();
  const program = findExecutable(command[0]);
  if (!program) {
    await checkCommand();
    return { level: 'error', text: notFoundMessage(command[0]) };
  }
  const expected = require('./package.json').version;
  let finding;
  try {
    const said = await new Promise((resolve, reject) => {
      execFile(program, ['--version'], { timeout: 5000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    const version = parseVersion(said);
    if (!version) {
      finding = { level: 'warning', text: `AiToEarn: ${program} answers --version with "${said.trim()}", not "aitoearn-rpc X.Y.Z": is "aitoearn.command" the aitoearn-rpc adapter?` };
    } else if (olderThan(version, expected)) {
      finding = {
        level: 'warning',
        text: `AiToEarn: the adapter ${program} is version ${version}, older than ${expected}, which this extension expects: ` +
          'upgrade it (uv tool upgrade aitoearn-rpc, pipx upgrade aitoearn-rpc, or a newer release archive).',
      };
    } else {
      finding = { level: 'info', text: `AiToEarn: adapter aitoearn-rpc ${version} at ${program} (this extension expects ${expected} or later).` };
    }
  } catch (err) {
    finding = { level: 'error', text: `AiToEarn: "${program} --version" failed: ${err.message}` };
  }
  const show = { info: vscode.window.showInformationMessage, warning: vscode.window.showWarningMessage, error: vscode.window.showErrorMessage }[finding.level];
  await show(finding.text);
  return finding;
}

/**
 * Track an offset in `document` while the user goes on typing.
 * @returns {{ offset: () => number, dispose: () => void }}
 */
function trackOffset(document, offset) {
  let current = offset;
  const sub = vscode.workspace.onDidChangeTextDocument((event) => {
    if (event.document === document || (event.document && event.document.uri.toString() === document.uri.toString())) {
      current = links.shiftOffset(current, event.contentChanges);
    }
  });
  return { offset: () => current, dispose: () => sub.dispose() };
}

/**
 * Run a request that polls a job with visible, cancellable progress, then insert links to
 * the saved images at the cursor, or with `below` on a new line after the cursor's line.
 * Returns the inserted text, or undefined.
 */
async function runJob(context, { method, params, prompt, editor, below = false, video = false }) {
  const document = editor.document;
  const docDir = documentDir(document);
  if (!docDir) {
    await vscode.window.showErrorMessage('AiToEarn: save the document first, so the image can be stored next to it.');
    return undefined;
  }
  const cfg = settings();
  const cursor = editor.selection.active;
  const anchor = trackOffset(document, document.offsetAt(below ? new vscode.Position(cursor.line, 0) : cursor));
  try {
    const rpc = await getClient(context);
    const token = `aitoearn-${process.pid}-${Date.now()}`;
    const folder = video ? cfg.videoFolder : cfg.imageFolder;
    const fullParams = { ...params, saveTo: links.saveDirFor(docDir, folder), workDoneToken: token };
    const abort = new AbortController();
    let job = null;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `AiToEarn: "${prompt}"`, cancellable: true },
      (progress, cancelToken) => {
        cancelToken.onCancellationRequested(() => abort.abort());
        const request = rpc.request(method, fullParams, {
          signal: abort.signal,
          onSent: (id) => {
            job = { prompt, started: Date.now(), report: null, requestId: id };
            job.report = (j) => {
              const seconds = ((j.elapsedMs ?? Date.now() - j.started) / 1000).toFixed(1);
              progress.report({ message: `${j.status || 'submitting'} ${seconds}s${j.poll ? ` (poll ${j.poll})` : ''}` });
            };
            jobs.set(id, job);
            job.report(job);
            updateStatusBar();
          },
        });
        return request.finally(() => {
          jobs.delete(request.id);
          updateStatusBar();
        });
      },
    );
    const jobId = result && (result.logId || result.id);
    if (result && (result.status === 'failed' || String(result.status).toUpperCase() === 'FAILURE')) {
      const reason = result.errorMessage || (result.error && result.error.message) || 'no reason given';
      await vscode.window.showErrorMessage(`AiToEarn: job ${jobId} failed: ${reason}`);
      return undefined;
    }
    const saved = (result && Array.isArray(result.saved) && result.saved) || [];
    if (saved.length === 0) {
      await vscode.window.showErrorMessage(`AiToEarn: job ${jobId} finished but no ${video ? 'video' : 'image'} was saved.`);
      return undefined;
    }
    const echoed = result.request || result.input;
    const alt = (echoed && typeof echoed.prompt === 'string' && echoed.prompt) || prompt;
    // A video job saves the video, then its cover: only the video is linked.
    const text = video
      ? links.formatVideoLink(links.relativePath(saved[0], docDir), alt, document.languageId)
      : links.linksFor(saved, alt, docDir, document.languageId);
    const edit = new vscode.WorkspaceEdit();
    if (below) {
      // At the end of the anchor's line as it is now: the user may have typed on it meanwhile.
      edit.insert(document.uri, document.positionAt(links.lineEnd(document.getText(), anchor.offset())), `\n${text}`);
    } else {
      edit.insert(document.uri, document.positionAt(anchor.offset()), text);
    }
    if (!(await vscode.workspace.applyEdit(edit))) {
      await vscode.env.clipboard.writeText(text);
      await vscode.window.showWarningMessage(
        `AiToEarn: the ${video ? 'video' : 'image'} is saved but the link could not be inserted; it is on the clipboard: ${text}`,
      );
      return undefined;
    }
    return text;
  } catch (err) {
    if (err && err.code === -32800) {
      const logId = err.data && (err.data.logId || err.data.taskId);
      await vscode.window.showInformationMessage(
        'AiToEarn: cancelled; nothing was inserted.' +
          (logId ? ` The job ${logId} goes on upstream (and is billed): "AiToEarn: Task Status" inserts it later.` : ''),
      );
      return undefined;
    }
    await showError(err);
    return undefined;
  } finally {
    anchor.dispose();
  }
}

/** A model of `kind` ('generation', 'edit' or 'video') picked from the service's list. */
async function pickModel(rpc, kind = 'generation') {
  const list = kind === 'video'
    ? await rpc.request('video.models', {}, { timeoutMs: 60000 })
    : await rpc.request('image.models', { kind }, { timeoutMs: 60000 });
  const items = links.modelItems(list);
  const names = { edit: ['aitoearn.editModel', 'image edit'], video: ['aitoearn.videoModel', 'video'] }[kind] || ['aitoearn.model', 'image'];
  if (items.length === 0) {
    await vscode.window.showErrorMessage(`AiToEarn: the service lists no ${names[1]} model; set "${names[0]}".`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    items.map((item) => ({ label: item.name, description: item.description })),
    { placeHolder: { edit: 'AiToEarn edit model', video: 'AiToEarn video model' }[kind] || 'AiToEarn model' },
  );
  return pick && pick.label;
}

// ---- commands ---------------------------------------------------------------------------

// The editor, the prompt and the model for a job command, or undefined when the user stopped.
async function promptAndModel(context, { title, prompt: question, placeHolder, configured, kind }) {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    await vscode.window.showErrorMessage('AiToEarn: open a document first; the link goes at its cursor.');
    return undefined;
  }
  if (!(await checkCommand())) return undefined;
  const prompt = await vscode.window.showInputBox({ title, prompt: question, placeHolder, ignoreFocusOut: true });
  if (!prompt || !prompt.trim()) return undefined;
  let model = configured;
  if (!model) {
    try {
      model = await pickModel(await getClient(context), kind);
    } catch (err) {
      await showError(err);
      return undefined;
    }
    if (!model) return undefined;
  }
  return { editor, prompt: prompt.trim(), model };
}

async function generateImage(context) {
  const cfg = settings();
  const asked = await promptAndModel(context, {
    title: 'AiToEarn: Generate Image', prompt: 'Describe the image', placeHolder: 'a red fox in the snow',
    configured: cfg.model, kind: 'generation',
  });
  if (!asked) return undefined;
  const params = { prompt: asked.prompt, model: asked.model };
  if (cfg.responseFormat) params.response_format = cfg.responseFormat;
  return runJob(context, { method: 'image.generate', params, prompt: asked.prompt, editor: asked.editor });
}

async function generateVideo(context) {
  const asked = await promptAndModel(context, {
    title: 'AiToEarn: Generate Video', prompt: 'Describe the video (it takes a few minutes)',
    placeHolder: 'a paper boat on a rainy street', configured: settings().videoModel, kind: 'video',
  });
  if (!asked) return undefined;
  const params = { prompt: asked.prompt, model: asked.model };
  return runJob(context, { method: 'video.generate', params, prompt: asked.prompt, editor: asked.editor, video: true });
}

const NO_LINK =
  'AiToEarn: put the cursor on an image link, ![…](picture.png) or [[file:picture.png]], ' +
  'then run "AiToEarn: Edit Image" again to edit that picture.';

async function editImage(context) {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    await vscode.window.showErrorMessage(NO_LINK);
    return undefined;
  }
  const document = editor.document;
  const cursor = editor.selection.active;
  const lineStart = document.offsetAt(new vscode.Position(cursor.line, 0));
  const text = document.getText();
  const line = text.slice(lineStart, links.lineEnd(text, lineStart));
  const target = links.imageLinkAt(line, cursor.character);
  if (!target) {
    await vscode.window.showErrorMessage(NO_LINK);
    return undefined;
  }
  if (!(await checkCommand())) return undefined;
  const docDir = documentDir(document);
  if (!docDir) {
    await vscode.window.showErrorMessage('AiToEarn: save the document first, so the new picture can be stored next to it.');
    return undefined;
  }
  const prompt = await vscode.window.showInputBox({
    title: 'AiToEarn: Edit Image',
    prompt: `How should ${path.basename(target)} change?`,
    placeHolder: 'make the sky darker',
    ignoreFocusOut: true,
  });
  if (!prompt || !prompt.trim()) return undefined;
  const cfg = settings();
  let model = cfg.editModel;
  if (!model) {
    try {
      model = await pickModel(await getClient(context), 'edit');
    } catch (err) {
      await showError(err);
      return undefined;
    }
    if (!model) return undefined;
  }
  const params = { prompt: prompt.trim(), model, image: links.resolveLinkTarget(target, docDir) };
  if (cfg.responseFormat) params.response_format = cfg.responseFormat;
  return runJob(context, { method: 'image.edit', params, prompt: prompt.trim(), editor, below: true });
}

function summarize(logId, task) {
  const status = task && task.status;
  if (task && task.id && !task.logId) {
    const s = String(status).toUpperCase();
    if (s === 'SUCCESS') return `AiToEarn: video job ${logId} succeeded.`;
    if (s === 'FAILURE') return `AiToEarn: video job ${logId} failed: ${(task.error && task.error.message) || 'no reason given'}`;
    return `AiToEarn: video job ${logId} is ${status} (submitted ${task.submittedAt || '?'}).`;
  }
  if (status === 'success') {
    const n = Array.isArray(task.images) ? task.images.length : 0;
    return `AiToEarn: job ${logId} succeeded with ${n} image(s).`;
  }
  if (status === 'failed') return `AiToEarn: job ${logId} failed: ${task.errorMessage || 'no reason given'}`;
  return `AiToEarn: job ${logId} is ${status} (started ${(task && task.startedAt) || '?'}).`;
}

async function taskStatus(context) {
  if (!(await checkCommand())) return undefined;
  const logId = await vscode.window.showInputBox({
    title: 'AiToEarn: Task Status',
    prompt: 'Job id (an image job\'s logId or a video job\'s taskId, 24 hex characters)',
    value: lastLogId,
    ignoreFocusOut: true,
  });
  if (!logId || !logId.trim()) return undefined;
  const id = logId.trim();
  let task;
  let video = false;
  try {
    const rpc = await getClient(context);
    try {
      task = await rpc.request('task.status', { logId: id }, { timeoutMs: 60000 });
    } catch (err) {
      // Image and video jobs share the id's shape: no image job by that id (404) may be a video job.
      if (!(err && err.code === -32010 && err.data && err.data.upstreamCode === 404)) throw err;
      video = true;
      task = await rpc.request('task.status', { taskId: id }, { timeoutMs: 60000 });
    }
  } catch (err) {
    await showError(err);
    return undefined;
  }
  const text = summarize(id, task);
  const editor = vscode.window.activeTextEditor;
  const status = task && String(task.status).toLowerCase();
  if (status === 'success' && editor) {
    const choice = await vscode.window.showInformationMessage(text, 'Insert at Cursor');
    if (choice === 'Insert at Cursor') {
      const params = video ? { taskId: id, wait: true } : { logId: id, wait: true };
      await runJob(context, { method: 'task.status', params, prompt: `AiToEarn ${id}`, editor, video });
    }
  } else if (status === 'failed' || status === 'failure') {
    await vscode.window.showWarningMessage(text);
  } else {
    await vscode.window.showInformationMessage(text);
  }
  return task;
}

/**
 * "AiToEarn: Recent Jobs": your recent jobs (task.list, both kinds unless `kind` is 'image' or
 * 'video') in a quick pick; the one picked is fetched as "Task Status" fetches it, through
 * runJob: a finished job is saved next to the document and linked at the cursor, a running one
 * followed with the same progress and then linked, a failed one shows its error.
 * Returns the inserted text, or undefined.
 */
async function recentJobs(context, kind) {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    await vscode.window.showErrorMessage('AiToEarn: open a document first; the link goes at its cursor.');
    return undefined;
  }
  if (kind !== undefined && !links.JOB_KINDS.includes(kind)) {
    await vscode.window.showErrorMessage(`AiToEarn: no job kind "${kind}": the kind is "image" or "video" (none for both).`);
    return undefined;
  }
  if (!(await checkCommand())) return undefined;
  let jobs;
  try {
    const rpc = await getClient(context);
    const pages = [];
    for (const k of kind ? [kind] : links.JOB_KINDS) {
      pages.push({ kind: k, page: await rpc.request('task.list', { kind: k }, { timeoutMs: 60000 }) });
    }
    jobs = links.listedJobs(pages);
  } catch (err) {
    await showError(err);
    return undefined;
  }
  if (jobs.length === 0) {
    await vscode.window.showInformationMessage(`AiToEarn: you have no ${kind ? `${kind} ` : ''}jobs yet.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(jobs.map((job) => ({ label: job.label, job })), {
    placeHolder: 'AiToEarn job',
  });
  if (!pick) return undefined;
  const { id } = pick.job;
  const video = pick.job.kind === 'video';
  const params = video ? { taskId: id, wait: true } : { logId: id, wait: true };
  return runJob(context, { method: 'task.status', params, prompt: `AiToEarn ${id}`, editor, video });
}

async function setApiKey(context) {
  const key = await vscode.window.showInputBox({
    title: 'AiToEarn: Set API Key',
    prompt: 'Your AiToEarn API key (kept in VS Code\'s secret storage; empty to remove it)',
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return;
  if (key.trim() === '') {
    await context.secrets.delete(SECRET_KEY);
    await vscode.window.showInformationMessage('AiToEarn: API key removed; the AITOEARN_API_KEY environment variable is used if set.');
  } else {
    await context.secrets.store(SECRET_KEY, key.trim());
    await vscode.window.showInformationMessage('AiToEarn: API key saved in VS Code\'s secret storage.');
  }
  await stopClient();
}

function activate(context) {
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  statusItem.name = 'AiToEarn';
  context.subscriptions.push(
    statusItem,
    vscode.commands.registerCommand('aitoearn.generateImage', () => generateImage(context)),
    vscode.commands.registerCommand('aitoearn.editImage', () => editImage(context)),
    vscode.commands.registerCommand('aitoearn.generateVideo', () => generateVideo(context)),
    vscode.commands.registerCommand('aitoearn.taskStatus', () => taskStatus(context)),
    vscode.commands.registerCommand('aitoearn.jobs', (kind) => recentJobs(context, typeof kind === 'string' ? kind : undefined)),
    vscode.commands.registerCommand('aitoearn.setApiKey', () => setApiKey(context)),
    vscode.commands.registerCommand('aitoearn.checkAdapter', () => checkAdapter()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('aitoearn')) stopClient();
    }),
    { dispose: () => void stopClient() },
  );
  if (context.secrets.onDidChange) {
    context.secrets.onDidChange((event) => {
      if (event.key === SECRET_KEY) stopClient();
    }, null, context.subscriptions);
  }
}

async function deactivate() {
  jobs.clear();
  lastStatus = null;
  await stopClient();
}

module.exports = { activate, deactivate };
