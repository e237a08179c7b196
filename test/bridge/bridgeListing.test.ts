/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: which applications the bridge lists. Unfiltered,
 * ENTSSO's GetApplications2 lists affiliate applications only ("ssomanage -listapps" without "all");
 * the stand-in does the same, so the bridge must ask for every type through the mapper's property bag.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SEED, startSeededBridge } from '../entssoStandin/standin';

describe('entsso-bridge: application listing over the ENTSSO stand-in', { timeout: 120_000 }, () => {
  test('apps.list and search include config-store and adapter applications, not only affiliate ones', async () => {
    const h = await startSeededBridge();
    try {
      const page = await h.bridge.request('apps.list', {});
      const names = page.items.map((a: { name: string }) => a.name);
      for (const name of [SEED.ordersSettings, SEED.paymentsSettings, SEED.sftpSendHandler, SEED.fileReceiveHandler, SEED.mainframe]) assert.ok(names.includes(name), `${name} listed: ${names.join(', ')}`);
      const hits = await h.bridge.request('search', { query: 'Contoso.Orders' });
      assert.ok(hits.some((hit: { application: string }) => hit.application === SEED.ordersSettings), 'search finds a config-store application');
    } finally {
      await h.dispose();
    }
  });
});
