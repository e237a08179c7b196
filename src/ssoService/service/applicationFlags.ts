/**
 * The flags an SSO application gets from its kind, as `apps.create` sets them (allow-local
 * accounts, the kind's own bit, enabled or not), and the rule an import's flags are held to: only
 * flags ENTSSO defines here (AppFlags: group mapping and admin-same are real ENTSSO options an
 * exported application may carry), and the kind bits of the application's own kind. A crafted
 * file could otherwise give any 31-bit value, or another kind's bit, to the application it creates.
 */
import { AppFlags, type ApplicationKind } from '../../protocol/messages';

export function applicationFlags(kind: ApplicationKind, enabled: boolean): number {
  let flags = AppFlags.allowLocal;
  if (enabled) flags |= AppFlags.enabled;
  if (kind === 'configStore') flags |= AppFlags.configStore;
  if (kind === 'adapter') flags |= AppFlags.adapter;
  return flags;
}

const KNOWN_FLAGS = Object.values(AppFlags).reduce((all, flag) => all | flag, 0);
const KIND_FLAGS = AppFlags.configStore | AppFlags.adapter;

/** True when `flags` hold only known flags, and exactly the kind bits of `kind`. */
export function flagsFitKind(kind: ApplicationKind, flags: number): boolean {
  return (flags & ~KNOWN_FLAGS) === 0 && (flags & KIND_FLAGS) === (applicationFlags(kind, false) & KIND_FLAGS);
}

export function isEnabled(flags: number): boolean {
  return (flags & AppFlags.enabled) !== 0;
}
