/**
 * Find by value no longer records the text searched for (only its kind): what the user is told,
 * and what the protocol says, must not claim otherwise, or users avoid a search they could run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const repoRoot = join(__dirname, '..', '..', '..');
const bundle = JSON.parse(readFileSync(join(repoRoot, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;

test('the find by value prompt says the search is audited without the text searched for', () => {
  const prompts = Object.keys(bundle).filter((message) => message.startsWith("Text to find in every configuration's values"));
  assert.equal(prompts.length, 1, prompts.join('\n'));
  assert.match(prompts[0]!, /audited without the text searched for/);
  assert.doesNotMatch(prompts[0]!, /with what you type/);
});

test("the protocol's description of config.grep says it is audited without its pattern", () => {
  const messages = readFileSync(join(repoRoot, 'src', 'protocol', 'messages.ts'), 'utf8');
  const grepDoc = messages.slice(messages.lastIndexOf('/**', messages.indexOf("'config.grep':")), messages.indexOf("'config.grep':"));
  assert.match(grepDoc, /audited without the text searched for/i);
  assert.doesNotMatch(grepDoc, /with its pattern/);
});
