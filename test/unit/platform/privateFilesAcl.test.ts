/**
 * Review 10, F11: "owner-only" on Windows. open()'s mode sets no ACL there, so writePrivateFile
 * gives the still-empty file a protected ACL with icacls (inheritance removed; the owner, SYSTEM
 * and Administrators). Here: the arguments (any platform), and on Windows the ACL icacls reads back
 * (skipped elsewhere, with the reason).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ownerOnlyAclArguments, writePrivateFile } from '../../../src/platform/privateFiles';

test('icacls is asked to drop inherited entries and grant only the owner, SYSTEM and Administrators (by SID)', () => {
  assert.deepEqual(ownerOnlyAclArguments('D:\\Transfer\\orders.sso'), ['D:\\Transfer\\orders.sso', '/inheritance:r', '/grant:r', '*S-1-3-4:F', '*S-1-5-18:F', '*S-1-5-32-544:F', '/Q']);
});

const onWindows = process.platform === 'win32';
const dir = onWindows ? mkdtempSync(join(tmpdir(), 'acl-')) : '';
after(() => onWindows && rmSync(dir, { recursive: true, force: true }));

test('on Windows the written file has a protected ACL: no inherited entry, nobody but the owner, SYSTEM and Administrators', { skip: onWindows ? false : 'Windows ACLs: only a Windows machine can check them (POSIX modes are tested in test/unit/cli/privateFile.test.ts)' }, async () => {
  const file = join(dir, 'prod.backup');
  await writePrivateFile(file, Buffer.from('encrypted'));
  const acl = execFileSync('icacls', [file], { encoding: 'utf8' });
  assert.doesNotMatch(acl, /\(I\)/, `no inherited entry:\n${acl}`);
  assert.doesNotMatch(acl, /Authenticated Users|\bUsers\b|Everyone/i, acl);
});
