/** ssoctl history APP IDENTIFIER [--version N [--reveal]]: kept versions of a configuration. */
import { type ParsedArgs, UsageError, flag, opt, optInt, positional } from '../args';
import { connect, noteMore, print, table } from '../context';
import { readPages } from '../../model/pagedList';

export const historyOptions = {
  version: { value: true },
  reveal: {},
  limit: { value: true },
  cursor: { value: true },
};

export async function history(args: ParsedArgs): Promise<void> {
  const application = positional(args, 1, 'application name');
  const identifier = positional(args, 2, 'identifier');
  const version = optInt(args, 'version');
  if (version === 0) throw new UsageError('--version must be a version number from the list (1 or more).');
  if (flag(args, 'reveal') && version === undefined) throw new UsageError('--reveal needs --version N: only one version is revealed at a time.');
  const client = await connect(args);
  try {
    if (version === undefined) {
      const page = await readPages((cursor, limit) => client.request('history.list', { application, identifier, cursor, limit }), optInt(args, 'limit') ?? 100, { cursor: opt(args, 'cursor') });
      print(args, page, () =>
        page.items.length === 0
          ? `"${identifier}" of "${application}" has no earlier versions (each save keeps the version it replaces).`
          : table([
              ['VERSION', 'WRITTEN', 'REPLACED', 'BY', 'CHANGE'],
              ...page.items.map((v) => [String(v.version), v.writtenAt, v.replacedAt, v.replacedBy, v.change === 'delete' ? 'deleted' : `changed ${v.changedFields.join(', ') || '(no field)'}`]),
            ]),
      );
      noteMore(args, page, 'versions');
      return;
    }
    const doc = await client.request('history.get', { application, identifier, version, reveal: flag(args, 'reveal') });
    print(args, doc, () =>
      table([
        ['FIELD', 'VALUE'],
        ...Object.entries(doc.fields).map(([k, v]) => [k, doc.masked.includes(k) && !doc.revealed ? (doc.maskedSet?.includes(k) ? '(masked: use --reveal)' : '(masked, empty)') : v]),
      ]) + `\n(version ${doc.version}, written ${new Date(doc.modifiedAt).toISOString()})`,
    );
  } finally {
    client.close();
  }
}
