/**
 * Configuration history in the editor: the read-only `sso-history:` URI of a kept version, the
 * QuickPick rows of the version list, and the config.set that restores a version.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { HistoryDocument, HistoryVersionInfo } from '../protocol/messages';
import { MASK_PLACEHOLDER, serializeConfig } from './configDocument';
import { formatSsoPath, parseSsoPath } from './ssoUri';

/** Read-only documents of kept versions: `sso-history:/<env>/<app>/<identifier>.json?version=N`. */
export const HISTORY_SCHEME = 'sso-history';

export interface HistoryTarget {
  environment: string;
  application: string;
  identifier: string;
  version: number;
}

/** The file name says which version: an editor tab must never be mistaken for the live configuration. */
const versionSuffix = (version: number) => ` (version ${version})`;

export function historyPath(target: HistoryTarget): { path: string; query: string } {
  const name = `${target.identifier}${versionSuffix(target.version)}`;
  return { path: formatSsoPath(target.environment, target.application, name), query: `version=${target.version}` };
}

/** Parses what historyPath made; undefined when it is not one. */
export function parseHistoryPath(path: string, query: string): HistoryTarget | undefined {
  const parsed = parseSsoPath(path);
  const match = /^version=([1-9][0-9]{0,9})$/.exec(query);
  if (!parsed?.application || parsed.identifier === undefined || !match) return undefined;
  const version = Number(match[1]);
  const suffix = versionSuffix(version);
  if (!parsed.identifier.endsWith(suffix)) return undefined;
  return { environment: parsed.environment, application: parsed.application, identifier: parsed.identifier.slice(0, -suffix.length), version };
}

/** One QuickPick row: which version, when and by whom it was replaced, which fields that changed. */
export function historyPickItem(v: HistoryVersionInfo, formatTime: (iso: string) => string): { label: string; description: string; detail: string } {
  const what = v.change === 'delete' ? l10n.t('the configuration was deleted') : v.changedFields.length > 0 ? l10n.t('changed: {0}', v.changedFields.join(', ')) : l10n.t('saved without a change of value');
  return {
    label: l10n.t('Version {0}', v.version),
    description: l10n.t('written {0}', formatTime(v.writtenAt)),
    detail: l10n.t('Replaced {0} by {1}; {2}', formatTime(v.replacedAt), v.replacedBy, what),
  };
}

/**
 * The config.set fields that make the configuration hold exactly the revealed version's values:
 * every field sent, and a masked field empty in that version cleared (an empty masked value
 * alone would keep the current one).
 */
export function restoreRequest(version: HistoryDocument): { fields: Record<string, string>; clearMasked: string[] } {
  if (!version.revealed) throw new Error(l10n.t('A version is restored from its revealed values.'));
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  const clearMasked: string[] = [];
  for (const [label, value] of Object.entries(version.fields)) {
    fields[label] = value;
    if (value === '' && version.masked.includes(label)) clearMasked.push(label);
  }
  return { fields, clearMasked };
}

export const DIFFERS_PLACEHOLDER = `${MASK_PLACEHOLDER} (differs from the current value)`;

/**
 * The read-only text of a version: the document's own text, where a masked field set both here
 * and now but to another value says so (both would show the same placeholder, hiding the change
 * from a comparison).
 */
export function serializeVersion(doc: HistoryDocument): string {
  const text = serializeConfig(doc);
  const differs = new Set(doc.revealed ? [] : (doc.maskedDiffers ?? []));
  if (differs.size === 0) return text;
  return text
    .split('\n')
    .map((line) => {
      for (const label of differs) {
        const masked = `  ${JSON.stringify(label)}: ${JSON.stringify(MASK_PLACEHOLDER)}`;
        if (line === masked || line === `${masked},`) return line.replace(JSON.stringify(MASK_PLACEHOLDER), JSON.stringify(DIFFERS_PLACEHOLDER));
      }
      return line;
    })
    .join('\n');
}
