// Review 10, F8: an application whose configurations were not counted (the ENTSSO bridge: affiliate
// applications, a failed count; identifierCountUnknown) is never called empty, and deleting it asks for
// its name to be typed like one that holds configurations.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppFlags, type ApplicationInfo } from '../../../src/protocol/messages';
import { deletionDetail, mayHoldConfigurations } from '../../../src/model/applicationDraft';
import { applicationTooltip, identifierCountText } from '../../../src/model/applicationList';

function app(kind: ApplicationInfo['kind'], extra: Partial<ApplicationInfo> = {}): ApplicationInfo {
  return {
    name: 'Contoso.Mainframe',
    kind,
    description: '',
    contact: '',
    userGroup: 'SSO Affiliate Administrators',
    adminGroup: 'SSO Administrators',
    flags: AppFlags.enabled,
    enabled: true,
    numFields: 2,
    identifierCount: 0,
    ...extra,
  };
}

describe('an application whose configurations were not counted', () => {
  for (const kind of ['affiliate', 'configStore', 'adapter'] as const) {
    test(`${kind}: the delete asks for the name, and says everything it holds is lost, not "holds no"`, () => {
      const uncounted = app(kind, { identifierCountUnknown: true });
      assert.equal(mayHoldConfigurations(uncounted), true);
      const detail = deletionDetail(uncounted, 'This machine');
      assert.doesNotMatch(detail, /holds no/);
      assert.match(detail, /Enterprise SSO does not tell how many .* it holds: all of them are deleted with it/);
      assert.doesNotMatch(identifierCountText(uncounted), /\b0\b/);
      assert.match(identifierCountText(uncounted), /not counted/);
      assert.doesNotMatch(applicationTooltip(uncounted), /: 0\b/);
    });
  }

  test('a counted empty application is still empty (no name to type), a counted full one still asks', () => {
    assert.equal(mayHoldConfigurations(app('affiliate')), false);
    assert.match(deletionDetail(app('affiliate'), 'dev'), /It holds no mappings\./);
    assert.equal(mayHoldConfigurations(app('configStore', { identifierCount: 2 })), true);
  });
});
