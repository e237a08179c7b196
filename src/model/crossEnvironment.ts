/**
 * Compare and copy across environments, the I/O shared by the extension and `ssoctl` (through an
 * injected EnvironmentSide, so no transport here):
 * reads what a comparison needs from two environments and writes a copy. The comparison key is
 * drawn here, fresh per comparison, sent to both services and dropped (zeroed) when done: never
 * logged, never kept. A side that cannot fingerprint (an ENTSSO bridge older than
 * config.fingerprints; current ones can) is read with config.get: its non-masked values are
 * fingerprinted here, its masked ones cannot be compared.
 */
import * as l10n from '@vscode/l10n';
import { randomBytes } from 'node:crypto';
import { fieldFingerprintHash } from '../protocol/fieldFingerprint';
import { SsoError } from '../protocol/errors';
import {
  COMPARE_KEY_MIN_BYTES,
  COMPARE_MAX_IDENTIFIERS,
  SET_MANY_MAX_WRITES,
  type ApplicationDetail,
  type ConfigDocument,
  type ConfigFingerprints,
  type FieldFingerprint,
  type IdentifierInfo,
  type ListedIdentifier,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type SetManyWrite,
} from '../protocol/messages';
import { compareFields, copyRefusal, copyWrite, maskedFieldsToDecide, sideDocument, type FieldComparison, type MaskedChoice } from './environmentComparison';

/** One environment as a comparison reaches it. */
export interface EnvironmentSide {
  name: string;
  request<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  serves(method: MethodName): boolean;
}

/** Most configurations an application comparison reads per side (beyond: refused, say so). */
const COMPARE_MAX_CONFIGURATIONS = 20_000;

interface SideOfApplication {
  detail: ApplicationDetail;
  identifiers: ListedIdentifier[];
  configurations: ConfigFingerprints[];
}

/** A key for one comparison; the caller zeroes it (`key.fill(0)`) when the comparison is done. */
export function newComparisonKey(): Buffer {
  return randomBytes(COMPARE_KEY_MIN_BYTES);
}

async function applicationOf(side: EnvironmentSide, application: string): Promise<ApplicationDetail | undefined> {
  try {
    return await side.request('apps.get', { name: application });
  } catch (err) {
    if (err instanceof SsoError && err.code === 'ENTSSO_E_APPLICATION_NOT_FOUND') return undefined;
    throw err;
  }
}

async function identifiersOf(side: EnvironmentSide, application: string): Promise<ListedIdentifier[]> {
  const out: ListedIdentifier[] = [];
  let cursor: string | undefined;
  do {
    const page = await side.request('identifiers.list', { application, cursor, limit: 1000 });
    out.push(...page.items);
    if (out.length > COMPARE_MAX_CONFIGURATIONS) {
      throw new SsoError('ENTSSO_E_INVALID_REQUEST', l10n.t('"{0}" has more than {1} configurations in {2}: compare them one at a time (with an identifier).', application, COMPARE_MAX_CONFIGURATIONS, side.name));
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

/** Fingerprints of these configurations on one side, in batches the service accepts. */
export async function fingerprintsOf(side: EnvironmentSide, application: string, identifiers: string[], key: Buffer): Promise<ConfigFingerprints[]> {
  const out: ConfigFingerprints[] = [];
  for (let i = 0; i < identifiers.length; i += COMPARE_MAX_IDENTIFIERS) {
    const batch = identifiers.slice(i, i + COMPARE_MAX_IDENTIFIERS);
    if (side.serves('config.fingerprints')) {
      out.push(...(await side.request('config.fingerprints', { application, identifiers: batch, key: key.toString('base64') })).items);
    } else {
      for (const identifier of batch) out.push(await readFingerprints(side, application, identifier, key));
    }
  }
  return out;
}

/** Through a connection without fingerprints: non-masked values hashed here, masked ones only set or not. */
async function readFingerprints(side: EnvironmentSide, application: string, identifier: string, key: Buffer): Promise<ConfigFingerprints> {
  let document: ConfigDocument;
  try {
    document = await side.request('config.get', { application, identifier });
  } catch (err) {
    if (err instanceof SsoError && err.code === 'ENTSSO_E_MAPPING_NOT_FOUND') return { identifier, found: false, fields: {} };
    throw err;
  }
  return { identifier: document.identifier, found: true, timestamp: document.timestamp, fields: fingerprintsOfDocument(document, key) };
}

export function fingerprintsOfDocument(document: ConfigDocument, key: Buffer): Record<string, FieldFingerprint> {
  const masked = new Set(document.masked);
  const maskedSet = new Set(document.maskedSet ?? document.masked);
  const out: Record<string, FieldFingerprint> = Object.create(null) as Record<string, FieldFingerprint>;
  for (const [label, value] of Object.entries(document.fields)) {
    if (masked.has(label)) out[label] = { masked: true, set: maskedSet.has(label) };
    else out[label] = value === '' ? { masked: false, set: false } : { masked: false, set: true, hash: fieldFingerprintHash(key, label, value) };
  }
  return out;
}

/** Everything an application comparison needs of one side; undefined when the application is not there. */
export async function readSideOfApplication(side: EnvironmentSide, application: string, key: Buffer, only?: string[]): Promise<SideOfApplication | undefined> {
  const detail = await applicationOf(side, application);
  if (!detail) return undefined;
  const identifiers = only ? [] : await identifiersOf(side, detail.name);
  const names = only ?? identifiers.map((i) => i.identifier);
  const configurations = names.length > 0 ? await fingerprintsOf(side, detail.name, names, key) : [];
  return { detail, identifiers, configurations };
}

/** Writes a copy on the target: one transaction per request, so at most SET_MANY_MAX_WRITES configurations. */
export async function writeCopy(target: EnvironmentSide, application: string, expectedFieldsVersion: string, writes: SetManyWrite[], source: string): Promise<IdentifierInfo[]> {
  if (writes.length === 0) return [];
  refuseTooManyWrites(writes.length);
  refuseTargetWithoutBatchWrite(target);
  return (await target.request('config.setMany', { application, expectedFieldsVersion, writes, source })).written;
}

/**
 * Checked by previewCopy before anything is read (the target) and before anything is revealed (the
 * count), and again by writeCopy: a copy that cannot be written must not reveal (and audit) the
 * source's masked values first, nor a dry run promise it.
 */
function refuseTargetWithoutBatchWrite(target: EnvironmentSide): void {
  if (target.serves('config.setMany')) return;
  throw new SsoError('ENTSSO_E_INVALID_REQUEST', l10n.t('{0} cannot write several configurations in one transaction through this connection, so nothing was copied. Copy to an environment served by the SSO service, or copy configurations one at a time with Save.', target.name));
}

function refuseTooManyWrites(count: number): void {
  if (count <= SET_MANY_MAX_WRITES) return;
  throw new SsoError('ENTSSO_E_INVALID_REQUEST', l10n.t('A copy writes at most {0} configurations in one transaction; this one has {1}. Nothing was copied or revealed: copy them in smaller groups.', SET_MANY_MAX_WRITES, count));
}

// ---------------------------------------------------------------- copy: preview, then write

interface CopyItem {
  identifier: string;
  action: 'create' | 'update' | 'unchanged';
  /** Fields not equal between source and target (all of them for a create). */
  fields: FieldComparison[];
  /** The target's row version the preview saw; the write is refused if it changed. */
  targetTimestamp?: string;
  /** The source's document (masked values absent). */
  source: ConfigDocument;
  /** What the preview's diff shows (see previewDiff): every field compared, and the target's document of an update. */
  diff: { fields: FieldComparison[]; target?: ConfigDocument };
}

export interface CopyPreview {
  application: string;
  source: string;
  target: string;
  targetFieldsVersion: string;
  items: CopyItem[];
}

/**
 * What a copy would do, from the same comparison as Compare: refused (with what to do) when the
 * application is missing on the target or its fields differ, the target cannot take a batch write
 * (the ENTSSO bridge), or more configurations would change than one transaction writes.
 * `identifiers` undefined: all of the source's configurations. Nothing is revealed here.
 */
export async function previewCopy(source: EnvironmentSide, target: EnvironmentSide, application: string, identifiers: string[] | undefined, key: Buffer): Promise<CopyPreview> {
  refuseTargetWithoutBatchWrite(target);
  const sourceDetail = await applicationOf(source, application);
  if (!sourceDetail) throw new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', l10n.t('There is no application "{0}" in {1}. Pick one that exists there.', application, source.name), { application });
  const targetDetail = await applicationOf(target, sourceDetail.name);
  const refusal = copyRefusal(sourceDetail, targetDetail, target.name);
  if (refusal || !targetDetail) throw new SsoError('ENTSSO_E_INVALID_REQUEST', refusal ?? l10n.t('The target application is missing.'), { application });
  const names = identifiers ?? (await identifiersOf(source, sourceDetail.name)).map((i) => i.identifier);
  const sourcePrints = await fingerprintsOf(source, sourceDetail.name, names, key);
  const targetPrints = await fingerprintsOf(target, targetDetail.name, names, key);
  refuseTooManyWrites(countChanges(sourcePrints, targetPrints));
  const items: CopyItem[] = [];
  for (const [i, s] of sourcePrints.entries()) {
    if (!s.found) throw new SsoError('ENTSSO_E_MAPPING_NOT_FOUND', l10n.t('{0} has no configuration "{1}" in "{2}". Nothing was copied: pick configurations that exist there.', source.name, s.identifier, application), { application, identifier: s.identifier });
    const t = targetPrints[i]!;
    const compared = t.found ? compareFields(s, t) : [];
    const fields = t.found ? compared.filter((f) => f.state !== 'equal') : compareFields(s, { ...s, fields: {} });
    const action = !t.found ? 'create' : fields.length === 0 ? 'unchanged' : 'update';
    // The diff was worked out from the fingerprints: the documents shown and copied must be the same versions.
    const document = await source.request('config.get', { application: sourceDetail.name, identifier: s.identifier });
    if (document.timestamp !== s.timestamp) throw changedWhileCompared(sourceDetail.name, source.name, s.identifier);
    const targetDocument = action === 'update' ? await target.request('config.get', { application: targetDetail.name, identifier: s.identifier }) : undefined;
    if (targetDocument && targetDocument.timestamp !== t.timestamp) throw changedWhileCompared(targetDetail.name, target.name, s.identifier);
    items.push({ identifier: s.identifier, action, fields, ...(t.found ? { targetTimestamp: t.timestamp } : {}), source: document, diff: { fields: compared, ...(targetDocument ? { target: targetDocument } : {}) } });
  }
  return { application: targetDetail.name, source: source.name, target: target.name, targetFieldsVersion: targetDetail.fieldsVersion ?? '', items };
}

/** How many configurations a copy would write, from the fingerprints alone (before any document is read). */
function countChanges(sourcePrints: ConfigFingerprints[], targetPrints: ConfigFingerprints[]): number {
  return sourcePrints.filter((s, i) => {
    const t = targetPrints[i];
    return !t?.found || compareFields(s, t).some((f) => f.state !== 'equal');
  }).length;
}

/** The two sides of the preview's diff of one item, from the documents the preview read (the values a copy writes): no request. */
export function previewDiff(preview: CopyPreview, item: CopyPreview['items'][number]): { left: string; right: string } {
  return {
    left: sideDocument('left', preview.source, preview.target, preview.application, item.identifier, item.source, item.diff.fields),
    right: sideDocument('right', preview.target, preview.source, preview.application, item.identifier, item.diff.target, item.diff.fields),
  };
}

/**
 * The writes of a previewed copy. The source is read again (revealed when a masked field is
 * copied, so that every value of a write comes from one read) and the copy refused if it changed
 * since the preview: the user confirmed the preview's values, not newer ones. A revealed masked
 * value is audited on the source and held only in the returned writes: the caller sends them and
 * drops them.
 */
export async function copyWrites(source: EnvironmentSide, preview: CopyPreview, choose: (identifier: string, label: string) => MaskedChoice): Promise<SetManyWrite[]> {
  const writes: SetManyWrite[] = [];
  for (const item of preview.items) {
    if (item.action === 'unchanged') continue;
    const choices = new Map(maskedFieldsToDecide(item.fields).map((label) => [label, choose(item.identifier, label)] as const));
    const reveal = [...choices.values()].includes('copy');
    const current = await source.request('config.get', { application: item.source.application, identifier: item.identifier, ...(reveal ? { reveal: true } : {}) });
    if (current.timestamp !== item.source.timestamp) throw changedWhileCompared(preview.application, preview.source, item.identifier);
    writes.push(copyWrite(current, item.targetTimestamp, choices, reveal ? current : undefined));
  }
  return writes;
}

function changedWhileCompared(application: string, environment: string, identifier: string): SsoError {
  return new SsoError(
    'ENTSSO_E_CONFLICT',
    l10n.t('"{0}" changed in {1} while it was compared or since the preview, so nothing was copied. Copy to Environment again to see and confirm its new values.', identifier, environment),
    { application, identifier },
  );
}
