// Unit tests of what a failed save of an sso: document tells VS Code and the user.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { saveFailure, saveFailureReasonOfError, type SaveFailureReason } from '../../../src/model/saveFailure';
import { SsoError } from '../../../src/protocol/errors';

describe('save failures', () => {
  test('each reason gets a named FileSystemError kind and a short message that says where to look', () => {
    const reasons: SaveFailureReason[] = ['INVALID_DOCUMENT', 'ENTSSO_E_INVALID_REQUEST', 'EDITS_BLOCKED', 'OTHER_ENVIRONMENT', 'NOT_OPENED_FROM_EXPLORER', 'ENTSSO_E_CONFLICT', 'ENTSSO_E_NOT_CONNECTED', 'ENTSSO_E_MAPPING_NOT_FOUND', 'ENTSSO_E_INTERNAL'];
    for (const reason of reasons) {
      const f = saveFailure(reason);
      assert.ok(['NoPermissions', 'Unavailable', 'FileNotFound'].includes(f.kind), reason);
      assert.match(f.short, /^Not saved: .+[.;]/, reason);
      assert.ok(f.short.length <= 100, `${reason}: short enough for VS Code's wrapping (${f.short.length})`);
    }
  });

  test('buttons that do what the sentence says', () => {
    assert.deepEqual(saveFailure('INVALID_DOCUMENT').actions.map((a) => a.command), ['workbench.actions.view.problems']);
    // The service's refusals set no diagnostic: no sending people to an empty Problems panel.
    for (const reason of ['ENTSSO_E_UNKNOWN_FIELD', 'ENTSSO_E_CONFIGURATION_TOO_LARGE', 'ENTSSO_E_INVALID_REQUEST'] as const) {
      assert.deepEqual(saveFailure(reason).actions, [], reason);
      assert.doesNotMatch(saveFailure(reason).short, /Problems/, reason);
    }
    assert.deepEqual(saveFailure('OTHER_ENVIRONMENT').actions.map((a) => a.title), ['Switch Environment…']);
    assert.deepEqual(saveFailure('ENTSSO_E_CONFLICT').actions.map((a) => a.title), ['Compare with Stored', 'Revert to Stored']);
    assert.equal(saveFailure('ENTSSO_E_MAPPING_NOT_FOUND').kind, 'FileNotFound');
    assert.deepEqual(saveFailure('EDITS_BLOCKED').actions.map((a) => a.command), ['entsso.checkHealth']);
  });

  test('a timeout is not "Not saved": the request may still run (or have run), so the user is sent to compare with what is stored', () => {
    const f = saveFailure('ENTSSO_E_TIMEOUT');
    assert.match(f.short, /^Maybe not saved: .*may still be applied/);
    assert.ok(f.short.length <= 100, `short enough for VS Code's wrapping (${f.short.length})`);
    assert.deepEqual(f.actions.map((a) => a.title), ['Compare with Stored', 'Check Health']);
  });

  test('a timeout the bridge answered before starting the save (details.notStarted) is "Not saved"; any other timeout stays "Maybe"', () => {
    const notStarted = new SsoError('ENTSSO_E_TIMEOUT', 'The extension stopped waiting before this could start: nothing was changed. Try again.', { notStarted: true });
    assert.equal(saveFailureReasonOfError(notStarted), 'NOT_STARTED');
    const f = saveFailure(saveFailureReasonOfError(notStarted));
    assert.match(f.short, /^Not saved: .*nothing was changed/);
    assert.ok(f.short.length <= 100, `short enough for VS Code's wrapping (${f.short.length})`);
    assert.equal(saveFailureReasonOfError(new SsoError('ENTSSO_E_TIMEOUT', 'no answer')), 'ENTSSO_E_TIMEOUT');
    assert.equal(saveFailureReasonOfError(new SsoError('ENTSSO_E_TIMEOUT', 'no answer', { notStarted: 'true' })), 'ENTSSO_E_TIMEOUT');
    assert.equal(saveFailureReasonOfError(new SsoError('ENTSSO_E_CONFLICT', 'changed', { notStarted: true })), 'ENTSSO_E_CONFLICT');
  });
});
