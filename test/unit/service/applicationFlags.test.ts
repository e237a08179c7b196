/**
 * The application flag rules against Microsoft's ENTSSO and the ENTSSO bridge: what apps.create
 * sets per kind, the kind read back from flags, and which flags an import accepts for a kind. The
 * bridge's values (bridge/Operations.cs KindFlags) are written out here, so that a change on one
 * side only fails this test; test/bridge/bridgeMethods.test.ts checks them on the bridge itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applicationFlags, flagsFitKind, kindOfFlags } from '../../../src/ssoService/service/applicationFlags';
import { planApplicationImport } from '../../../src/ssoService/service/importPlan';

/** SSOFlag constants of Microsoft.EnterpriseSingleSignOn.Interop. */
const SSO = { enabled: 0x2, windowsToExternal: 0x4, validateTickets: 0x40, allowLocal: 0x40000, configStore: 0x100000, ticketTimeout: 0x200000, adapter: 0x400000 };
/** What the bridge gives CreateApplication per kind (then enables the application). */
const BRIDGE_CREATE = { configStore: SSO.configStore | SSO.allowLocal, adapter: SSO.configStore | SSO.adapter | SSO.allowLocal, affiliate: SSO.allowLocal };
const KINDS = ['configStore', 'adapter', 'affiliate'] as const;

describe('application flags: the service, the bridge and ENTSSO agree', () => {
  it('apps.create gives each kind the flags the bridge gives it (an adapter is a config-store application with the adapter bit)', () => {
    assert.equal(applicationFlags('configStore', false), 0x140000);
    assert.equal(applicationFlags('adapter', false), 0x540000);
    assert.equal(applicationFlags('adapter', true), 0x540002);
    for (const kind of KINDS) assert.equal(applicationFlags(kind, false), BRIDGE_CREATE[kind], kind);
  });

  it('the kind read back from flags is the kind created, on either path', () => {
    for (const kind of KINDS) {
      assert.equal(kindOfFlags(applicationFlags(kind, true)), kind, `service ${kind}`);
      assert.equal(kindOfFlags(BRIDGE_CREATE[kind] | SSO.enabled), kind, `bridge ${kind}`);
    }
    assert.equal(kindOfFlags(SSO.adapter | SSO.allowLocal), 'adapter', 'an adapter exported before the config-store bit was added');
  });

  it('an application created by either path imports into the other, enabled or not', () => {
    for (const kind of KINDS) {
      for (const flags of [applicationFlags(kind, true), applicationFlags(kind, false), BRIDGE_CREATE[kind], BRIDGE_CREATE[kind] | SSO.enabled]) {
        assert.ok(flagsFitKind(kind, flags), `${kind} 0x${flags.toString(16)}`);
      }
    }
  });

  it('config-store applications as real tools create them on ENTSSO import (BTDF, ssomanage defaults)', () => {
    assert.ok(flagsFitKind('configStore', SSO.configStore | SSO.allowLocal | SSO.windowsToExternal | SSO.enabled), 'BTDF / Be.Stateless / SSO config tool');
    assert.ok(flagsFitKind('affiliate', SSO.windowsToExternal | SSO.validateTickets | SSO.ticketTimeout), "ssomanage's DEFAULT_APP_FLAGS");
  });

  it('another kind, or a flag ENTSSO does not keep on an application, is refused', () => {
    for (const [kind, flags] of [
      ['configStore', applicationFlags('adapter', true)],
      ['adapter', applicationFlags('configStore', true)],
      ['affiliate', SSO.configStore],
      ['affiliate', SSO.adapter],
      ['configStore', applicationFlags('configStore', true) | 0x1],
      ['configStore', applicationFlags('configStore', true) | 0x800000],
      ['adapter', applicationFlags('adapter', true) | 0x10000000],
    ] as const) {
      assert.equal(flagsFitKind(kind, flags), false, `${kind} 0x${flags.toString(16)}`);
    }
  });

  it('an import planned from a bridge-style export of an adapter creates it with the bridge\'s flags', () => {
    const flags = BRIDGE_CREATE.adapter | SSO.enabled;
    const planned = planApplicationImport(
      { name: '{5B4B6D58-0D93-4E6A-9B33-0C6E9E1F7A11}', kind: 'adapter', flags, fields: [{ label: 'uri', masked: false }], configurations: [{ identifier: 'SP1', values: new Map([['uri', 'sftp://x']]) }], identifierScope: 'all' },
      undefined,
      'add',
    );
    assert.equal(planned.create?.flags, flags);
    assert.equal(planned.create?.kind, 'adapter');
  });
});
