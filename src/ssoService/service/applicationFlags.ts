/**
 * The flags an SSO application gets from its kind, as `apps.create` sets them: allow-local
 * accounts, the kind's own bit, enabled or not, and nothing else. One rule for every way an
 * application comes to exist: created through `apps.create`, or by an import, whose file's
 * flags are held to it (a crafted file could otherwise give any 31-bit value, or another
 * kind's bit, to the application it creates).
 */
import { AppFlags, type ApplicationKind } from '../../protocol/messages';

export function applicationFlags(kind: ApplicationKind, enabled: boolean): number {
  let flags = AppFlags.allowLocal;
  if (enabled) flags |= AppFlags.enabled;
  if (kind === 'configStore') flags |= AppFlags.configStore;
  if (kind === 'adapter') flags |= AppFlags.adapter;
  return flags;
}

/** True when `flags` are what `apps.create` gives an application of `kind` (enabled or not). */
export function flagsFitKind(kind: ApplicationKind, flags: number): boolean {
  return flags === applicationFlags(kind, (flags & AppFlags.enabled) !== 0);
}

export function isEnabled(flags: number): boolean {
  return (flags & AppFlags.enabled) !== 0;
}
