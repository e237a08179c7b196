/** ssoctl app list|show|create|delete|enable|disable, and add-field|remove-field|export|import (appTransfer.ts). */
import { escapeUnsafeCharacters } from '../../protocol/untrustedText';
import type { ApplicationKind } from '../../protocol/messages';
import { type ParsedArgs, UsageError, flag, opt, optInt, positional } from '../args';
import { connect, print, table } from '../context';
import { readPages } from '../../model/pagedList';
import { newName } from '../newNames';
import { addField, appTransferOptions, exportApplications, importApplications, parseFieldSpecs, removeField } from './appTransfer';

export const appOptions = {
  filter: { value: true },
  limit: { value: true },
  kind: { value: true },
  field: { value: true, repeat: true },
  description: { value: true },
  contact: { value: true },
  disabled: {},
  yes: {},
  ...appTransferOptions,
};

export async function app(args: ParsedArgs): Promise<void> {
  const verb = positional(args, 1, 'app verb (list, show, create, delete, enable, disable, add-field, remove-field, export, import)');
  const client = await connect(args);
  try {
    switch (verb) {
      case 'list': {
        const { items } = await readPages((cursor, limit) => client.request('apps.list', { filter: opt(args, 'filter'), cursor, limit }), optInt(args, 'limit') ?? Number.MAX_SAFE_INTEGER);
        print(args, items, () =>
          table([['NAME', 'KIND', 'ENABLED', 'FIELDS', 'CONFIGS', 'DESCRIPTION'], ...items.map((a) => [a.name, a.kind, a.enabled ? 'yes' : 'no', String(a.numFields), String(a.identifierCount), a.description])]),
        );
        return;
      }
      case 'show': {
        const a = await client.request('apps.get', { name: positional(args, 2, 'application name') });
        print(args, a, () =>
          [
            // Stored text, escaped for the terminal (table() does the same for every cell).
            `${a.name} (${a.kind}, ${a.enabled ? 'enabled' : 'disabled'}, flags 0x${a.flags.toString(16)})`,
            `  description: ${a.description}`,
            `  contact:     ${a.contact}`,
            `  groups:      user ${a.userGroup}; admin ${a.adminGroup}`,
            `  fields:      ${a.fields.map((f) => f.label + (f.masked ? ' (masked)' : '')).join(', ')}`,
            `  configurations: ${a.identifierCount}`,
          ]
            .map(escapeUnsafeCharacters)
            .join('\n'),
        );
        return;
      }
      case 'create': {
        const a = await client.request('apps.create', {
          name: newName(positional(args, 2, 'application name'), 'application name'),
          kind: parseKind(opt(args, 'kind') ?? 'configStore'),
          description: opt(args, 'description'),
          contact: opt(args, 'contact'),
          enabled: !flag(args, 'disabled'),
          fields: parseFieldSpecs(args.options.get('field') ?? []),
        });
        print(args, a, () => `Created application "${a.name}" with fields ${a.fields.map((f) => f.label).join(', ')}.`);
        return;
      }
      case 'delete': {
        const name = positional(args, 2, 'application name');
        if (!flag(args, 'yes')) throw new UsageError(`Deleting "${name}" removes its fields and every stored configuration. Repeat with --yes to confirm.`);
        await client.request('apps.delete', { name });
        print(args, { deleted: name }, () => `Deleted application "${name}".`);
        return;
      }
      case 'enable':
      case 'disable': {
        const a = await client.request('apps.setEnabled', { name: positional(args, 2, 'application name'), enabled: verb === 'enable' });
        print(args, a, () => `Application "${a.name}" is ${a.enabled ? 'enabled' : 'disabled'}.`);
        return;
      }
      case 'add-field':
        return await addField(client, args);
      case 'remove-field':
        return await removeField(client, args);
      case 'export':
        return await exportApplications(client, args);
      case 'import':
        return await importApplications(client, args);
      default:
        throw new UsageError(`Unknown app verb "${verb}". Use list, show, create, delete, enable, disable, add-field, remove-field, export or import.`);
    }
  } finally {
    client.close();
  }
}

function parseKind(kind: string): ApplicationKind {
  if (kind === 'configStore' || kind === 'adapter' || kind === 'affiliate') return kind;
  throw new UsageError('--kind must be configStore, adapter or affiliate.');
}
