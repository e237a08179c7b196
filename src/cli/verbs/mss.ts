/** ssoctl mss list|promote|demote: the master secret server nodes (high availability). */
import { type ParsedArgs, UsageError, positional } from '../args';
import { connect, print, table } from '../context';

export async function mss(args: ParsedArgs): Promise<void> {
  const verb = positional(args, 1, 'mss verb (list, promote, demote)');
  const client = await connect(args);
  try {
    switch (verb) {
      case 'list': {
        const r = await client.request('mss.nodes', {});
        print(args, r, () =>
          [
            table([['NODE', 'ROLE', 'LAST SEEN', 'LAST TAKEOVER'], ...r.nodes.map((n) => [n.name, n.role, n.lastSeenAt, n.lastTakeoverAt ?? ''])]),
            `lease: ${r.lease.holder ?? '(free)'}, epoch ${r.lease.epoch}, held for ${r.lease.ageMs === null ? '-' : Math.round(r.lease.ageMs / 1000) + ' s'}, expires ${r.lease.expiresAt}`,
          ].join('\n'),
        );
        return;
      }
      case 'promote':
      case 'demote': {
        const node = positional(args, 2, 'node (host:port, see "ssoctl mss list")');
        const r = await client.request(verb === 'promote' ? 'mss.promote' : 'mss.demote', { node });
        print(args, r, () => `${r.name} is now ${r.role}.`);
        return;
      }
      default:
        throw new UsageError(`Unknown mss verb "${verb}". Use list, promote or demote.`);
    }
  } finally {
    client.close();
  }
}
