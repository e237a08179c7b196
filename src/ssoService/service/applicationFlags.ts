/**
 * The flags an SSO application gets from its kind, the kind read back from flags, and the rule an
 * import's flags are held to. They follow Microsoft's ENTSSO, as the ENTSSO bridge does
 * (bridge/Operations.cs KindFlags, bridge/Entsso.cs AppRecord.Kind), so that an application
 * exported from either imports into the other:
 * - a config-store application is SSO_FLAG_APP_CONFIG_STORE | SSO_FLAG_APP_ALLOW_LOCAL (0x140000,
 *   what Microsoft's SSO Application Configuration snap-in creates);
 * - an adapter is "a special type of configuration store application" (Microsoft's ENTSSO docs,
 *   "Adapter Programming Administration"): SSO_FLAG_APP_ADAPTER on top of the config-store bit
 *   (0x540000); its configurations are config-store identifiers, which need that bit;
 * - the kind is read adapter bit first, then config-store bit, else affiliate (as ENTSSO's tools
 *   read an application's type), so an adapter exported before the config-store bit was added
 *   (0x440000) still reads as an adapter.
 * An import may carry only flags ENTSSO keeps on an application (APP_FLAG_MASK in ssoconfigom.h:
 * tools such as BTDF also set SSO_FLAG_SSO_WINDOWS_TO_EXTERNAL, ssomanage's defaults add ticket
 * flags), and flags whose kind is the application's own: a crafted file could otherwise give any
 * 31-bit value, or another kind's bit, to the application it creates.
 */
import { AppFlags, type ApplicationKind } from '../../protocol/messages';

export function applicationFlags(kind: ApplicationKind, enabled: boolean): number {
  let flags = AppFlags.allowLocal;
  if (enabled) flags |= AppFlags.enabled;
  if (kind === 'configStore' || kind === 'adapter') flags |= AppFlags.configStore;
  if (kind === 'adapter') flags |= AppFlags.adapter;
  return flags;
}

/** The kind `flags` describe: the adapter bit first (an adapter also has the config-store bit). */
export function kindOfFlags(flags: number): ApplicationKind {
  if ((flags & AppFlags.adapter) !== 0) return 'adapter';
  return (flags & AppFlags.configStore) !== 0 ? 'configStore' : 'affiliate';
}

/**
 * ssoconfigom.h's APP_FLAG_MASK: enabled, Windows-to-external (0x4), external-to-Windows, verify
 * external credentials, tickets, password-sync options (0x200–0x4000), group mapping, external name
 * same, allow local, admin same, config store, ticket timeout, adapter, credential cache disabled.
 */
const ENTSSO_APPLICATION_FLAGS = 0x407f7e7e;

/** True when `flags` hold only flags ENTSSO keeps on an application, and describe `kind`. */
export function flagsFitKind(kind: ApplicationKind, flags: number): boolean {
  return (flags & ~ENTSSO_APPLICATION_FLAGS) === 0 && kindOfFlags(flags) === kind;
}

export function isEnabled(flags: number): boolean {
  return (flags & AppFlags.enabled) !== 0;
}
