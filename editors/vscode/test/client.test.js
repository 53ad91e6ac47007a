'use strict';
// lib/client.js against the real adapter (aitoearn-rpc --simulate): generate with progress,
// cancel, status, errors; and the framing decoder fed one byte at a time.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { AiToEarnClient, RpcError, ContentLengthDecoder, encode } = require('../lib/client');
const { bin, FAST, SLOW, NO_KEY, tempDir, isPng, waitFor, readTrace, receivedCancel } = require('./helpers');

const OPTS = { timeout: 20000 };

/** A started client, stopped when the test ends. */
async function started(t, args, options = {}) {
  const client = new AiToEarnClient({ command: [bin, ...args], ...options });
  t.after(() => client.stop());
  const result = await client.start();
  return { client, result };
}

test('the decoder takes split and single-byte input, and several messages at once', () => {
  const a = encode({ jsonrpc: '2.0', id: 1, result: { text: 'héllo' } });
  const b = encode({ jsonrpc: '2.0', method: 'x' });
  const decoder = new ContentLengthDecoder();
  const bodies = [];
  for (const byte of Buffer.concat([a, b])) {
    for (const item of decoder.push(Buffer.from([byte]))) bodies.push(JSON.parse(item.body));
  }
  assert.deepEqual(bodies, [{ jsonrpc: '2.0', id: 1, result: { text: 'héllo' } }, { jsonrpc: '2.0', method: 'x' }]);
  const again = new ContentLengthDecoder().push(Buffer.concat([Buffer.from('content-length: 2\r\nContent-Type: x\r\n\r\n{}'), a]));
  assert.deepEqual(
    again.map((i) => JSON.parse(i.body)),
    [{}, { jsonrpc: '2.0', id: 1, result: { text: 'héllo' } }],
  );
});

test('initialize names the adapter and status.changed says ok', OPTS, async (t) => {
  const statuses = [];
  const client = new AiToEarnClient({ command: [bin, ...FAST] });
  client.on('status.changed', (p) => statuses.push(p));
  t.after(() => client.stop());
  const result = await client.start();
  assert.equal(result.serverInfo.name, 'aitoearn-rpc');
  await waitFor('status.changed', () => statuses.length > 0, 5000);
  assert.equal(statuses[0].kind, 'ok');
});

test('image.models lists sim-image first', OPTS, async (t) => {
  const { client } = await started(t, FAST);
  const models = await client.request('image.models', {});
  assert.ok(Array.isArray(models));
  assert.equal(models[0].name, 'sim-image');
  assert.ok(models.some((m) => m.name === 'sim-image-fail'));
});

test('image.generate with saveTo: progress before the result, saved PNG paths', OPTS, async (t) => {
  const dir = tempDir(t);
  const { client } = await started(t, FAST);
  const events = [];
  client.on('task.progress', (p) => events.push({ kind: 'task.progress', ...p }));
  client.on('$/progress', (p) => events.push({ kind: '$/progress', ...p }));
  const request = client.request('image.generate', {
    prompt: 'a red fox',
    model: 'sim-image',
    saveTo: path.join(dir, 'images'),
    workDoneToken: 'tok-1',
  });
  const result = await request;
  assert.equal(result.status, 'success');
  assert.match(result.logId, /^[0-9a-f]{24}$/);
  assert.equal(result.saved.length, 1);
  assert.ok(path.isAbsolute(result.saved[0]));
  assert.ok(result.saved[0].startsWith(fs.realpathSync(dir)) || result.saved[0].startsWith(dir));
  assert.ok(isPng(result.saved[0]), 'the saved file is a PNG');
  const progress = events.filter((e) => e.kind === 'task.progress' && e.requestId === request.id);
  assert.ok(progress.length >= 2, `task.progress after submission and after polls: ${JSON.stringify(progress)}`);
  assert.equal(progress[0].poll, 0);
  assert.equal(progress[0].logId, result.logId);
  assert.equal(progress.at(-1).status, 'success');
  const work = events.filter((e) => e.kind === '$/progress' && e.token === 'tok-1').map((e) => e.value.kind);
  assert.equal(work[0], 'begin');
  assert.equal(work.at(-1), 'end');
});

test('aborting a slow job sends $/cancelRequest; the request fails with -32800 and the logId', OPTS, async (t) => {
  const dir = tempDir(t);
  const trace = path.join(dir, 'trace.ndjson');
  const { client } = await started(t, [...SLOW, '--trace-file', trace]);
  const abort = new AbortController();
  let submitted = null;
  client.on('task.progress', (p) => {
    submitted = submitted || p;
  });
  const request = client.request(
    'image.generate',
    { prompt: 'a slow tortoise', model: 'sim-image', saveTo: dir },
    { signal: abort.signal },
  );
  await waitFor('the submission', () => submitted, 10000);
  abort.abort();
  const err = await request.then(
    () => assert.fail('the request should fail'),
    (e) => e,
  );
  assert.ok(err instanceof RpcError);
  assert.equal(err.code, -32800);
  assert.equal(err.data && err.data.logId, submitted.logId);
  await waitFor('$/cancelRequest in the trace', () => receivedCancel(trace, request.id), 5000);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.png')), []);
});

test('task.status: a finished job, a malformed id, an unknown id', OPTS, async (t) => {
  const dir = tempDir(t);
  const { client } = await started(t, FAST);
  const done = await client.request('image.generate', { prompt: 'a cat', model: 'sim-image' });
  const task = await client.request('task.status', { logId: done.logId });
  assert.equal(task.status, 'success');
  const saved = await client.request('task.status', { logId: done.logId, saveTo: dir });
  assert.ok(isPng(saved.saved[0]));
  await assert.rejects(client.request('task.status', { logId: 'nope' }), (e) => e.code === -32602);
  await assert.rejects(client.request('task.status', { logId: 'ffffffffffffffffffffffff' }), (e) => e.code === -32010);
});

test('errors: a failed job, no credits, an unknown field', OPTS, async (t) => {
  const { client } = await started(t, FAST);
  await assert.rejects(client.request('image.generate', { prompt: 'x', model: 'sim-image-fail' }), (e) => {
    assert.equal(e.code, -32011);
    assert.match(e.data.logId, /^[0-9a-f]{24}$/);
    return true;
  });
  await assert.rejects(client.request('image.generate', { prompt: 'x', model: 'sim-image-broke' }), (e) => {
    assert.equal(e.code, -32010);
    assert.equal(e.data.upstreamCode, 12001);
    return true;
  });
  await assert.rejects(
    client.request('image.generate', { prompt: 'x', model: 'sim-image', responseFormat: 'url' }),
    (e) => e.code === -32602,
  );
});

test('no key in real-service mode: -32001 and status.changed warning/set-api-key', OPTS, async (t) => {
  const statuses = [];
  const client = new AiToEarnClient({ command: [bin, ...NO_KEY], env: { ...process.env } });
  client.on('status.changed', (p) => statuses.push(p));
  t.after(() => client.stop());
  await client.start();
  await assert.rejects(client.request('image.generate', { prompt: 'x', model: 'any' }), (e) => e.code === -32001);
  await waitFor('the warning', () => statuses.find((s) => s.action === 'set-api-key'), 5000);
  assert.equal(statuses.find((s) => s.action === 'set-api-key').kind, 'warning');
});

test('a missing binary is a clear ENOENT error', OPTS, async () => {
  const client = new AiToEarnClient({ command: ['/nonexistent/aitoearn-rpc'] });
  await assert.rejects(client.start(), (e) => {
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, /not found/);
    assert.match(e.message, /aitoearn\.command/);
    assert.match(e.message, /uv tool install aitoearn-rpc/);
    assert.match(e.message, /pipx install aitoearn-rpc/);
    return true;
  });
});

test('pending requests fail when the adapter dies; stop() ends it with status 0', OPTS, async (t) => {
  const { client } = await started(t, SLOW);
  const pending = client.request('image.generate', { prompt: 'x', model: 'sim-image' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  client.child.kill('SIGKILL');
  await assert.rejects(pending, (e) => e.code === 'EXIT');
  const { client: other } = await started(t, FAST);
  const exited = new Promise((resolve) => other.once('exit', (code) => resolve(code)));
  await other.stop();
  assert.equal(await exited, 0);
});

test('the trace file never shows the API key given in initializationOptions', OPTS, async (t) => {
  // docs/protocol.md §7: the key travels only in the X-Api-Key header; --trace-file redacts it.
  // The editors pass the key from their secret store this way, so they rely on it.
  const dir = tempDir(t);
  const trace = path.join(dir, 'trace.ndjson');
  const secret = 'sk-editor-secret-0123456789';
  await started(t, [...FAST, '--trace-file', trace], { initializationOptions: { apiKey: secret } });
  await waitFor('the trace', () => readTrace(trace).length > 0, 5000);
  assert.ok(!fs.readFileSync(trace, 'utf8').includes(secret), 'the key is written in clear in the trace file');
});
