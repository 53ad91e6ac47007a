'use strict';
// The extension's pure helpers: link text, relative paths, offsets, model lists, messages.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const links = require('../lib/links');

test('Markdown and Org links, relative to the document', () => {
  const doc = '/home/u/notes';
  assert.equal(links.linksFor(['/home/u/notes/images/a-1.png'], 'a red fox', doc, 'markdown'), '![a red fox](images/a-1.png)');
  assert.equal(links.linksFor(['/home/u/notes/images/a-1.png'], 'x', doc, 'org'), '[[file:images/a-1.png]]');
  assert.equal(links.linksFor(['/home/u/pics/a.png'], 'x', doc, 'markdown'), '![x](../pics/a.png)');
  assert.equal(links.formatLink('my images/a.png', 'a [b]\nc', 'markdown'), '![a \\[b\\] c](<my images/a.png>)');
  assert.equal(
    links.linksFor(['/d/images/a-1.png', '/d/images/a-2.png'], 'p', '/d', 'markdown'),
    '![p](images/a-1.png)\n![p](images/a-2.png)',
  );
  assert.equal(links.saveDirFor('/d', 'images'), path.resolve('/d/images'));
  assert.equal(links.saveDirFor('/d', '/abs/pics'), path.resolve('/abs/pics'));
});

test('the insertion offset follows edits made while the job runs', () => {
  const c = (rangeOffset, rangeLength, text) => ({ rangeOffset, rangeLength, text });
  assert.equal(links.shiftOffset(10, [c(0, 0, 'abc')]), 13);
  assert.equal(links.shiftOffset(10, [c(10, 0, 'typed')]), 10, 'typing at the anchor goes after the link');
  assert.equal(links.shiftOffset(10, [c(5, 5, '')]), 5);
  assert.equal(links.shiftOffset(10, [c(8, 4, 'xy')]), 10);
  assert.equal(links.shiftOffset(10, [c(20, 1, ''), c(2, 0, 'zz')]), 12);
});

test('model lists and error messages', () => {
  assert.deepEqual(links.modelItems([{ name: 'a', description: 'A' }, 'b', { nope: 1 }]), [
    { name: 'a', description: 'A' },
    { name: 'b' },
  ]);
  assert.deepEqual(links.modelItems({ list: ['c'] }), [{ name: 'c' }]);
  const noKey = links.explain({ code: -32001, message: 'x' });
  assert.equal(noKey.action, 'set-api-key');
  assert.match(noKey.text, /Set API Key/);
  assert.match(noKey.text, /AITOEARN_API_KEY/);
  assert.match(links.explain({ code: -32001, data: { upstreamCode: 401 } }).text, /rejected/);
  assert.match(links.explain({ code: -32012, message: 'Timed out.', data: { logId: 'abc' } }).text, /Task Status.*abc/);
});

test('image links under the cursor, in their Markdown and Org forms, resolved for the adapter', () => {
  const line = 'x ![a \\[b\\]](<my pic.png> "title") y ![](https://h/p.png?a=1) [[file:b.png::12][desc]]';
  assert.deepEqual(links.imageLinks(line), [
    { start: 2, end: 34, target: 'my pic.png' },
    { start: 37, end: 61, target: 'https://h/p.png?a=1' },
    { start: 62, end: 86, target: 'b.png' },
  ]);
  assert.equal(links.imageLinkAt(line, 2), 'my pic.png');
  assert.equal(links.imageLinkAt(line, 33), 'my pic.png');
  assert.equal(links.imageLinkAt(line, 34), null, 'just after the link');
  assert.equal(links.imageLinkAt('[[file:~/pics/a.png]]', 0), '~/pics/a.png');
  assert.equal(links.imageLinkAt('[link](not-image.png)', 3), null, 'a plain link is no image');
  assert.equal(links.resolveLinkTarget('pics/a b.png', '/d'), path.resolve('/d/pics/a b.png'));
  assert.equal(links.resolveLinkTarget('a\\_b.png', '/d'), path.resolve('/d/a_b.png'));
  assert.equal(links.resolveLinkTarget('~/x.png', '/d', '/home/u'), path.resolve('/home/u/x.png'));
  assert.equal(links.resolveLinkTarget('https://h/p.png', '/d'), 'https://h/p.png');
  assert.equal(links.lineEnd('ab\ncd', 1), 2);
  assert.equal(links.lineEnd('ab\ncd', 4), 5);
});

test('the jobs of task.list pages, newest first across the kinds, one line each', () => {
  const image = (id, createdAt, extra = {}) => ({ id, type: 'image', model: 'm', action: 'generation', status: 'success', createdAt, ...extra });
  const jobs = links.listedJobs([
    { kind: 'image', page: { list: [image('b', '2026-01-02T00:00:02.000Z'), image('a', '2026-01-02T00:00:01.000Z'), image('c', '2026-01-02T00:00:01.000Z'), { model: 'no id' }] } },
    { kind: 'video', page: { list: [{ id: 'v', taskId: 'v', type: 'video', model: 'sim-video', action: 'video', status: 'generating', createdAt: '2026-01-02T00:00:01.500Z' }] } },
  ]);
  assert.deepEqual(jobs.map((j) => [j.kind, j.id]), [['image', 'b'], ['video', 'v'], ['image', 'a'], ['image', 'c']], 'equal times keep the service order');
  assert.equal(jobs[0].label, 'image · success · m · generation · 2026-01-02 00:00:02 UTC · b');
  assert.equal(jobs[1].label, 'video · generating · sim-video · 2026-01-02 00:00:01 UTC · v', 'an action that says no more is left out');
  assert.equal(links.describeJob('image', 'x', {}), 'image · ? · ? · x');
  assert.equal(links.jobTime('yesterday'), 'yesterday');
  assert.deepEqual(links.listedJobs([{ kind: 'image', page: null }]), []);
});
