'use strict';
// extension.js loaded with a minimal stand-in for the `vscode` API (test/fake-vscode.js),
// running the commands against the real adapter in --simulate mode.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { bin, FAST, SLOW, NO_KEY, tempDir, isPng, waitFor, readTrace, receivedCancel } = require('./helpers');

// `require('vscode')` from extension.js gets the stand-in.
const fakePath = require.resolve('./fake-vscode');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? fakePath : resolve.call(this, request, ...rest);
};
const vscode = require('vscode');
const fake = vscode.__fake;
const extension = require('../extension');
const manifest = require('../package.json');

const OPTS = { timeout: 20000 };
const LINK = /^!\[a red fox\]\((images\/[^)]+\.png)\)$/;

/** Activate the extension with `options` for the stand-in; deactivated after the test. */
function activate(t, options) {
  fake.reset(options);
  const context = fake.makeContext();
  extension.activate(context);
  t.after(async () => {
    await extension.deactivate();
    for (const d of context.subscriptions) d.dispose();
  });
  return context;
}

test('activation registers every command of package.json, titled as the issue says', (t) => {
  activate(t);
  const declared = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual([...fake.state.commands.keys()].sort(), declared);
  assert.deepEqual(
    manifest.contributes.commands.map((c) => `${c.category}: ${c.title}`).sort(),
    ['AiToEarn: Check Adapter', 'AiToEarn: Edit Image', 'AiToEarn: Generate Image', 'AiToEarn: Generate Video', 'AiToEarn: Recent Jobs',
      'AiToEarn: Set API Key', 'AiToEarn: Task Status'],
  );
  const props = manifest.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), [
    'aitoearn.command',
    'aitoearn.editModel',
    'aitoearn.imageFolder',
    'aitoearn.model',
    'aitoearn.region',
    'aitoearn.responseFormat',
    'aitoearn.videoFolder',
    'aitoearn.videoModel',
  ]);
  assert.equal(props['aitoearn.command'].type, 'array');
  assert.deepEqual(props['aitoearn.command'].default, ['aitoearn-rpc']);
  assert.equal(manifest.main, './extension.js');
  assert.deepEqual(manifest.dependencies || {}, {});
  // The client module must stay free of `vscode` so node can test it.
  assert.doesNotMatch(fs.readFileSync(path.join(__dirname, '..', 'lib', 'client.js'), 'utf8'), /require\(['"]vscode['"]\)/);
});

test('"Generate Image" shows progress and inserts the link it gets back at the cursor', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, { config: { command: [bin, ...FAST], model: 'sim-image' }, inputs: ['a red fox'] });
  const editor = fake.openEditor(path.join(dir, 'notes.md'), 'Intro\n\nOutro', 'markdown', 'Intro\n'.length);
  const running = vscode.commands.executeCommand('aitoearn.generateImage');
  // The user goes on typing above the cursor while the job runs.
  await waitFor('progress', () => fake.state.calls.progress[0] && fake.state.calls.progress[0].reports.length > 0);
  editor.document.insert(0, '# Title\n');
  const inserted = await running;
  assert.match(inserted, LINK);
  assert.equal(editor.document.getText(), `# Title\nIntro\n${inserted}\nOutro`);
  assert.ok(isPng(path.join(dir, inserted.match(LINK)[1])), 'the linked file is a PNG');
  const progress = fake.state.calls.progress[0];
  assert.equal(progress.options.cancellable, true);
  assert.equal(progress.options.location, vscode.ProgressLocation.Notification);
  assert.deepEqual(fake.state.calls.error, []);
  assert.equal(fake.state.statusItems[0].text, '$(check) AiToEarn');
});

test('without a model setting, it offers the models of image.models', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, { config: { command: [bin, ...FAST], imageFolder: 'pics' }, inputs: ['an owl'] });
  const editor = fake.openEditor(path.join(dir, 'notes.org'), '', 'org');
  const inserted = await vscode.commands.executeCommand('aitoearn.generateImage');
  const labels = fake.state.calls.quickPick[0].items.map((i) => i.label);
  assert.equal(labels[0], 'sim-image');
  assert.ok(labels.includes('sim-image-fail'));
  assert.match(inserted, /^\[\[file:pics\/[^\]]+\.png\]\]$/);
  assert.equal(editor.document.getText(), inserted);
});

// A real 1x1 PNG, for documents to link to.
const PICTURE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function writePicture(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PICTURE);
}

test('"Edit Image" on a Markdown image link inserts the edited picture\'s link on the next line', OPTS, async (t) => {
  const dir = tempDir(t);
  const trace = path.join(dir, 'trace.ndjson');
  writePicture(path.join(dir, 'pics', 'harbour.png'));
  activate(t, {
    config: { command: [bin, ...FAST, '--trace-file', trace], editModel: 'sim-edit' },
    inputs: ['make the sky darker'],
  });
  const before = 'Intro\nSee ![the harbour](pics/harbour.png) at dusk.\nOutro';
  const editor = fake.openEditor(path.join(dir, 'notes.md'), before, 'markdown', 'Intro\nSee ![the'.length);
  const running = vscode.commands.executeCommand('aitoearn.editImage');
  await waitFor('progress', () => fake.state.calls.progress[0] && fake.state.calls.progress[0].reports.length > 0);
  editor.document.insert(0, '# Title\n'); // the user goes on typing above while the job runs
  const inserted = await running;
  const link = /^!\[make the sky darker\]\((images\/[^)]+\.png)\)$/;
  assert.match(inserted, link);
  assert.equal(editor.document.getText(), `# Title\nIntro\nSee ![the harbour](pics/harbour.png) at dusk.\n${inserted}\nOutro`);
  const made = fs.readFileSync(path.join(dir, inserted.match(link)[1]));
  assert.ok(isPng(path.join(dir, inserted.match(link)[1])), 'the new link points to a PNG');
  assert.notDeepEqual(made, PICTURE, 'a new picture');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'pics', 'harbour.png')), PICTURE, 'the original is untouched');
  assert.match(fake.state.calls.inputBox[0].prompt, /harbour\.png/);
  const request = readTrace(trace).find((ev) => ev.dir === 'recv' && ev.message && ev.message.method === 'image.edit');
  assert.equal(fs.realpathSync(request.message.params.image), fs.realpathSync(path.join(dir, 'pics', 'harbour.png')));
  assert.equal(request.message.params.model, 'sim-edit');
  assert.deepEqual(fake.state.calls.error, []);
});

test('"Edit Image" on an Org file link offers the edit models and links below', OPTS, async (t) => {
  const dir = tempDir(t);
  writePicture(path.join(dir, 'harbour.png'));
  activate(t, { config: { command: [bin, ...FAST] }, inputs: ['remove the text'] });
  const editor = fake.openEditor(path.join(dir, 'notes.org'), '* Harbour\n[[file:harbour.png][the harbour]]', 'org',
    '* Harbour\n[[fi'.length);
  const inserted = await vscode.commands.executeCommand('aitoearn.editImage');
  assert.deepEqual(fake.state.calls.quickPick[0].items.map((i) => i.label), ['sim-edit', 'sim-edit-single']);
  assert.equal(fake.state.calls.quickPick[0].options.placeHolder, 'AiToEarn edit model');
  assert.match(inserted, /^\[\[file:images\/[^\]]+\.png\]\]$/);
  assert.equal(editor.document.getText(), `* Harbour\n[[file:harbour.png][the harbour]]\n${inserted}`);
  assert.ok(isPng(path.join(dir, inserted.slice('[[file:'.length, -2))));
});

test('"Edit Image" with no image link under the cursor: one clear message, nothing started', OPTS, async (t) => {
  const dir = tempDir(t);
  const trace = path.join(dir, 'trace.ndjson');
  activate(t, { config: { command: [bin, ...FAST, '--trace-file', trace], editModel: 'sim-edit' }, inputs: ['x'] });
  const editor = fake.openEditor(path.join(dir, 'plain.md'), 'Some text, ![a link](far.png) further on.', 'markdown', 2);
  assert.equal(await vscode.commands.executeCommand('aitoearn.editImage'), undefined);
  assert.equal(fake.state.calls.error.length, 1);
  assert.match(fake.state.calls.error[0].text, /image link/);
  assert.match(fake.state.calls.error[0].text, /Edit Image/);
  assert.deepEqual(fake.state.calls.inputBox, [], 'no prompt asked');
  assert.equal(fs.existsSync(trace), false, 'the adapter was not started');
  assert.equal(editor.document.getText(), 'Some text, ![a link](far.png) further on.');
});

test('cancelling the progress sends $/cancelRequest and inserts nothing', OPTS, async (t) => {
  const dir = tempDir(t);
  const trace = path.join(dir, 'trace.ndjson');
  activate(t, { config: { command: [bin, ...SLOW, '--trace-file', trace], model: 'sim-image' }, inputs: ['a slow tortoise'] });
  const editor = fake.openEditor(path.join(dir, 'slow.md'), '');
  const running = vscode.commands.executeCommand('aitoearn.generateImage');
  await waitFor('the submission', () => {
    const p = fake.state.calls.progress[0];
    return p && p.reports.some((r) => /generating/.test(r.message));
  });
  assert.match(fake.state.statusItems[0].text, /AiToEarn: generating/);
  fake.state.calls.progress[0].cancel();
  assert.equal(await running, undefined);
  await waitFor('$/cancelRequest in the trace', () => receivedCancel(trace), 5000);
  assert.equal(editor.document.getText(), '');
  assert.equal(fake.state.calls.info.length, 1);
  assert.match(fake.state.calls.info[0].text, /cancelled/);
  assert.deepEqual(fake.state.calls.error, []);
});

test('"Task Status" reports a job and can insert its image', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, {
    config: { command: [bin, ...FAST], model: 'sim-image' },
    inputs: ['a red fox'],
    choices: { info: 'Insert at Cursor' },
  });
  const editor = fake.openEditor(path.join(dir, 'notes.md'), '');
  const first = await vscode.commands.executeCommand('aitoearn.generateImage');
  const logId = path.basename(first.match(LINK)[1]).slice(0, 24);
  fake.state.inputs.push(logId);
  const task = await vscode.commands.executeCommand('aitoearn.taskStatus');
  assert.equal(task.status, 'success');
  assert.equal(fake.state.calls.inputBox.at(-1).value, logId, 'the last job is offered');
  assert.match(fake.state.calls.info[0].text, /succeeded/);
  assert.equal(fake.state.calls.applied.length, 2);
  assert.match(editor.document.getText(), /^!\[a red fox\]\(images\/.*\.png\)!\[a red fox\]\(images\/.*\.png\)$/);
});

function isMp4(file) {
  try {
    return fs.readFileSync(file).subarray(4, 8).toString('latin1') === 'ftyp';
  } catch {
    return false;
  }
}

test('"Generate Video" links the saved MP4 where it was started, with the service\'s status as progress', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, { config: { command: [bin, ...FAST], videoModel: 'sim-video' }, inputs: ['a paper boat'] });
  const editor = fake.openEditor(path.join(dir, 'notes.md'), 'Intro\n\nOutro', 'markdown', 'Intro\n'.length);
  const running = vscode.commands.executeCommand('aitoearn.generateVideo');
  await waitFor('progress', () => fake.state.calls.progress[0] && fake.state.calls.progress[0].reports.length > 0);
  editor.document.insert(0, '# Title\n');
  const inserted = await running;
  const m = /^\[a paper boat\]\((videos\/[0-9a-f]{24}\.mp4)\)$/.exec(inserted);
  assert.ok(m, inserted);
  assert.equal(editor.document.getText(), `# Title\nIntro\n${inserted}\nOutro`);
  assert.ok(isMp4(path.join(dir, m[1])), 'the linked file is an MP4');
  assert.ok(fake.state.calls.progress[0].reports.some((r) => /InProgress/.test(r.message)), 'the service status was shown');
  assert.deepEqual(fake.state.calls.error, []);
});

test('"Generate Video" offers the video models; an Org document gets an Org link', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, { config: { command: [bin, ...FAST] }, inputs: ['an owl at night'] });
  fake.openEditor(path.join(dir, 'notes.org'), '', 'org');
  const inserted = await vscode.commands.executeCommand('aitoearn.generateVideo');
  assert.match(inserted, /^\[\[file:videos\/[0-9a-f]{24}\.mp4\]\]$/);
  assert.equal(fake.state.calls.quickPick[0].items[0].label, 'sim-video');
});

test('cancelling a video names its taskId; "Task Status" inserts it later', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, {
    config: { command: [bin, '--simulate', '--simulate-delay-ms', '2000'], videoModel: 'sim-video' },
    inputs: ['a slow tortoise'],
    choices: { info: 'Insert at Cursor' },
  });
  const editor = fake.openEditor(path.join(dir, 'slow.md'), '');
  const running = vscode.commands.executeCommand('aitoearn.generateVideo');
  await waitFor('the submission', () => {
    const p = fake.state.calls.progress[0];
    return p && p.reports.some((r) => /SUBMITTED|InProgress/.test(r.message));
  });
  fake.state.calls.progress[0].cancel();
  assert.equal(await running, undefined);
  const taskId = /job ([0-9a-f]{24})/.exec(fake.state.calls.info[0].text)[1];
  assert.equal(editor.document.getText(), '');
  // The job goes on meanwhile; once it has ended, "Task Status" offers to insert it.
  await new Promise((r) => setTimeout(r, 2200));
  fake.state.inputs.push(taskId);
  const task = await vscode.commands.executeCommand('aitoearn.taskStatus');
  assert.equal(task.id, taskId);
  await waitFor('the link', () => editor.document.getText() !== '', 10000);
  assert.equal(editor.document.getText(), `[a slow tortoise](videos/${taskId}.mp4)`);
});

// ---- "Recent Jobs" ------------------------------------------------------------------------

// A quick pick line: kind · status · model[ · action] · created (UTC) · id.
const WHEN = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC';

/** A `picks` answer for the stand-in: the item whose label holds `want()` (undefined: dismissed). */
const pickJob = (want) => (items) => {
  const id = want();
  return id ? items.find((item) => item.label.includes(id)) : undefined;
};

test('"Recent Jobs" lists your jobs; a finished one is saved next to this document and linked at the cursor', OPTS, async (t) => {
  const dir = tempDir(t);
  let logId;
  activate(t, { config: { command: [bin, ...FAST], model: 'sim-image' }, inputs: ['a red fox'], picks: pickJob(() => logId) });
  fake.openEditor(path.join(dir, 'notes.md'), '');
  logId = path.basename((await vscode.commands.executeCommand('aitoearn.generateImage')).match(LINK)[1]).slice(0, 24);
  assert.match(logId, /^[0-9a-f]{24}$/);
  // Another document, in another folder: the picture is saved again, next to it.
  fs.mkdirSync(path.join(dir, 'other'));
  const editor = fake.openEditor(path.join(dir, 'other', 'b.md'), 'Before\n\nAfter', 'markdown', 'Before\n'.length);
  const inserted = await vscode.commands.executeCommand('aitoearn.jobs');
  const rel = `images/${logId}-1.png`;
  assert.equal(inserted, `![a red fox](${rel})`);
  assert.equal(editor.document.getText(), `Before\n${inserted}\nAfter`);
  assert.ok(isPng(path.join(dir, 'other', rel)), 'the linked file is a PNG next to this document');
  const pick = fake.state.calls.quickPick[0];
  assert.equal(pick.options.placeHolder, 'AiToEarn job');
  assert.equal(pick.items.length, 1);
  assert.match(pick.items[0].label, new RegExp(`^image · success · sim-image · generation · ${WHEN} · ${logId}$`));
  assert.deepEqual(fake.state.calls.error, []);
});

test('"Recent Jobs" follows a running job with the same progress and links it when it ends', OPTS, async (t) => {
  const dir = tempDir(t);
  let logId;
  activate(t, {
    config: { command: [bin, '--simulate', '--simulate-delay-ms', '1500'], model: 'sim-image' },
    inputs: ['a slow tortoise'],
    picks: pickJob(() => logId),
  });
  const editor = fake.openEditor(path.join(dir, 'slow.md'), '');
  const running = vscode.commands.executeCommand('aitoearn.generateImage');
  await waitFor('the submission', () => {
    const p = fake.state.calls.progress[0];
    return p && p.reports.some((r) => /generating/.test(r.message));
  });
  fake.state.calls.progress[0].cancel(); // stop waiting: the job goes on
  assert.equal(await running, undefined);
  logId = /job ([0-9a-f]{24})/.exec(fake.state.calls.info[0].text)[1];
  const inserted = await vscode.commands.executeCommand('aitoearn.jobs');
  assert.equal(inserted, `![a slow tortoise](images/${logId}-1.png)`);
  assert.equal(editor.document.getText(), inserted);
  assert.ok(isPng(path.join(dir, 'images', `${logId}-1.png`)));
  assert.match(fake.state.calls.quickPick[0].items[0].label, /^image · generating · sim-image · /);
  const followed = fake.state.calls.progress[1];
  assert.equal(followed.options.cancellable, true);
  assert.ok(followed.reports.some((r) => /^generating/.test(r.message)), 'its progress was shown while it ran');
  assert.deepEqual(fake.state.calls.error, []);
});

test('"Recent Jobs" lists both kinds newest first; for "video" only videos, linked as a video', OPTS, async (t) => {
  const dir = tempDir(t);
  let want;
  activate(t, {
    config: { command: [bin, ...FAST], model: 'sim-image', videoModel: 'sim-video' },
    inputs: ['a red fox', 'a paper boat'],
    picks: pickJob(() => want),
  });
  fake.openEditor(path.join(dir, 'a.md'), '');
  const logId = path.basename((await vscode.commands.executeCommand('aitoearn.generateImage')).match(LINK)[1]).slice(0, 24);
  const taskId = /videos\/([0-9a-f]{24})\.mp4/.exec(await vscode.commands.executeCommand('aitoearn.generateVideo'))[1];
  const editor = fake.openEditor(path.join(dir, 'b.md'), 'Intro\n');
  assert.equal(await vscode.commands.executeCommand('aitoearn.jobs'), undefined, 'dismissed: nothing');
  const labels = fake.state.calls.quickPick[0].items.map((i) => i.label);
  assert.equal(labels.length, 2);
  assert.match(labels[0], new RegExp(`^video · success · sim-video · ${WHEN} · ${taskId}$`), 'the video, newest');
  assert.match(labels[1], new RegExp(`^image · success · sim-image · generation · ${WHEN} · ${logId}$`), 'then the image');
  assert.equal(editor.document.getText(), 'Intro\n');
  want = taskId;
  const inserted = await vscode.commands.executeCommand('aitoearn.jobs', 'video');
  assert.equal(fake.state.calls.quickPick[1].items.length, 1, 'only the video listed');
  assert.equal(inserted, `[a paper boat](videos/${taskId}.mp4)`);
  assert.equal(editor.document.getText(), `Intro\n${inserted}`);
  assert.ok(isMp4(path.join(dir, 'videos', `${taskId}.mp4`)), 'the linked file is an MP4');
  assert.deepEqual(fake.state.calls.error, []);
});

test('"Recent Jobs" on a failed job shows its error and inserts nothing', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, { config: { command: [bin, ...FAST], model: 'sim-image-fail' }, inputs: ['a doomed cat'] });
  fake.openEditor(path.join(dir, 'f.md'), '');
  assert.equal(await vscode.commands.executeCommand('aitoearn.generateImage'), undefined);
  assert.equal(fake.state.calls.error.length, 1, 'the generation failed');
  const editor = fake.openEditor(path.join(dir, 'g.md'), 'Text');
  assert.equal(await vscode.commands.executeCommand('aitoearn.jobs'), undefined);
  const label = fake.state.calls.quickPick[0].items[0].label;
  const logId = new RegExp(`^image · failed · sim-image-fail · generation · ${WHEN} · ([0-9a-f]{24})$`).exec(label)[1];
  assert.equal(fake.state.calls.error.length, 2);
  assert.equal(fake.state.calls.error[1].text, `AiToEarn: job ${logId} failed: Simulated failure (model sim-image-fail).`);
  assert.equal(editor.document.getText(), 'Text');
  assert.deepEqual(fake.state.calls.applied, []);
  assert.equal(fs.existsSync(path.join(dir, 'images')), false, 'nothing saved');
});

test('"Recent Jobs" with no jobs yet, or an unknown kind: one message, no list, nothing inserted', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, { config: { command: [bin, ...FAST] } });
  const editor = fake.openEditor(path.join(dir, 'n.md'), 'Text');
  assert.equal(await vscode.commands.executeCommand('aitoearn.jobs'), undefined);
  assert.deepEqual(fake.state.calls.info.map((m) => m.text), ['AiToEarn: you have no jobs yet.']);
  assert.equal(await vscode.commands.executeCommand('aitoearn.jobs', 'pictures'), undefined);
  assert.equal(fake.state.calls.error.length, 1);
  assert.match(fake.state.calls.error[0].text, /no job kind "pictures"/);
  assert.deepEqual(fake.state.calls.quickPick, []);
  assert.equal(editor.document.getText(), 'Text');
});

test('a missing binary: one clear message, no prompt, nothing inserted', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, { config: { command: [path.join(dir, 'no', 'aitoearn-rpc')] }, inputs: ['a red fox'] });
  const editor = fake.openEditor(path.join(dir, 'm.md'), 'text');
  assert.equal(await vscode.commands.executeCommand('aitoearn.generateImage'), undefined);
  assert.equal(fake.state.calls.error.length, 1);
  assert.match(fake.state.calls.error[0].text, /not found/);
  assert.match(fake.state.calls.error[0].text, /aitoearn\.command/);
  for (const how of ['uv tool install aitoearn-rpc', 'pipx install aitoearn-rpc', 'release archive']) {
    assert.ok(fake.state.calls.error[0].text.includes(how), how);
  }
  assert.deepEqual(fake.state.calls.error[0].items, ['Open Settings']);
  assert.deepEqual(fake.state.calls.inputBox, []);
  assert.equal(editor.document.getText(), 'text');
});

test('no API key: one clear message offering "Set API Key", nothing inserted', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, { config: { command: [bin, ...NO_KEY], model: 'sim-image' }, inputs: ['a red fox'] });
  const editor = fake.openEditor(path.join(dir, 'k.md'), '');
  assert.equal(await vscode.commands.executeCommand('aitoearn.generateImage'), undefined);
  assert.equal(fake.state.calls.error.length, 1);
  assert.match(fake.state.calls.error[0].text, /API key/);
  assert.match(fake.state.calls.error[0].text, /AITOEARN_API_KEY/);
  assert.deepEqual(fake.state.calls.error[0].items, ['Set API Key']);
  assert.equal(editor.document.getText(), '');
  assert.equal(fake.state.statusItems[0].text, '$(warning) AiToEarn: set API key');
  assert.equal(fake.state.statusItems[0].command, 'aitoearn.setApiKey');
});

test('"Set API Key" stores the key in context.secrets and sends it in initialize', OPTS, async (t) => {
  const dir = tempDir(t);
  const trace = path.join(dir, 'trace.ndjson');
  const context = activate(t, {
    config: { command: [bin, ...FAST, '--trace-file', trace], model: 'sim-image' },
    inputs: ['  k-123  ', 'a red fox'],
  });
  await vscode.commands.executeCommand('aitoearn.setApiKey');
  assert.equal(context.secretsMap.get('aitoearn.apiKey'), 'k-123');
  assert.equal(fake.state.calls.inputBox[0].password, true);
  fake.openEditor(path.join(dir, 'n.md'), '');
  assert.match(await vscode.commands.executeCommand('aitoearn.generateImage'), LINK);
  const init = readTrace(trace).find((ev) => ev.dir === 'recv' && ev.message && ev.message.method === 'initialize');
  assert.ok(init, 'initialize in the trace');
  assert.ok('apiKey' in init.message.params.initializationOptions, 'apiKey sent as an initialization option');
});

test('"Check Adapter" reports the adapter\'s version and path', OPTS, async (t) => {
  activate(t, { config: { command: [bin, '--simulate'] } });
  const finding = await vscode.commands.executeCommand('aitoearn.checkAdapter');
  assert.equal(finding.level, 'info', finding.text);
  assert.ok(finding.text.includes(`aitoearn-rpc ${manifest.version} at ${path.resolve(bin)}`), finding.text);
  assert.equal(fake.state.calls.info.length, 1);
  assert.equal(fake.state.calls.info[0].text, finding.text);
});

test('"Check Adapter" warns when the adapter is older than the extension expects', OPTS, async (t) => {
  const dir = tempDir(t);
  const old = path.join(dir, 'old-aitoearn-rpc');
  fs.writeFileSync(old, '#!/bin/sh\necho "aitoearn-rpc 0.0.1"\n', { mode: 0o755 });
  activate(t, { config: { command: [old] } });
  const finding = await vscode.commands.executeCommand('aitoearn.checkAdapter');
  assert.equal(finding.level, 'warning');
  assert.ok(finding.text.includes(`0.0.1, older than ${manifest.version}`), finding.text);
  assert.match(finding.text, /uv tool upgrade aitoearn-rpc/);
  assert.equal(fake.state.calls.warning.length, 1);
});

test('"Check Adapter" with no adapter says how to install it', OPTS, async (t) => {
  const dir = tempDir(t);
  activate(t, { config: { command: [path.join(dir, 'no', 'aitoearn-rpc')] } });
  const finding = await vscode.commands.executeCommand('aitoearn.checkAdapter');
  assert.equal(finding.level, 'error');
  assert.match(fake.state.calls.error[0].text, /uv tool install aitoearn-rpc/);
});
