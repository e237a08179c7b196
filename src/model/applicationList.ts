/**
 * How the explorer presents SSO applications: keyset-paged lists with "Load more…", grouping
 * by kind the way BizTalk people think of them, flag names, icons and tooltips.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import { AppFlags, type ApplicationInfo, type ApplicationKind, type Page, type SearchHit } from '../protocol/messages';
import { escapeMarkdown } from './markdown';

/**
 * Items loaded page by page from a keyset-paged method. Items can also be added out of order
 * (e.g. a search hit beyond the loaded pages); later pages skip those they already hold.
 */
export class PagedList<T> {
  private byKey = new Map<string, T>();
  private order: string[] = [];
  /** The cursor for the next page; undefined when everything is loaded (or nothing yet). */
  nextCursor: string | undefined;
  /** True once the first page arrived. */
  loaded = false;
  /** The last loading error (a message for people), cleared by the next successful page. */
  error: string | undefined;
  /**
   * Where each page loaded ends (an index into `order`), in order: the explorer shows each page
   * after the first as a folder of its own, so that loading one does not re-send the ones before.
   */
  private pageEnds: number[] = [];

  constructor(private readonly keyOf: (item: T) => string) {}

  get items(): T[] {
    return this.order.map((k) => this.byKey.get(k) as T);
  }

  get size(): number {
    return this.order.length;
  }

  get hasMore(): boolean {
    return this.loaded && this.nextCursor !== undefined;
  }

  addPage(page: Page<T>): void {
    for (const item of page.items) this.upsert(item);
    const last = page.items[page.items.length - 1];
    if (last !== undefined) this.pageEnds.push(Math.max(this.pageEnds[this.pageEnds.length - 1] ?? 0, this.indexOf(this.keyOf(last)) + 1));
    this.nextCursor = page.nextCursor;
    this.loaded = true;
    this.error = undefined;
  }

  /** Adds or replaces one item, keeping the list sorted by key (case-insensitive, like the service). */
  upsert(item: T): void {
    const key = this.keyOf(item);
    if (!this.byKey.has(key)) {
      const at = this.insertionIndex(key);
      this.order.splice(at, 0, key);
      // An item added out of order belongs to the page whose range it falls in.
      this.pageEnds = this.pageEnds.map((end) => (end > at ? end + 1 : end));
    }
    this.byKey.set(key, item);
  }

  /** How many pages were loaded (0 before the first). */
  get pageCount(): number {
    return this.pageEnds.length;
  }

  /**
   * The items of page `page` (from 0), as indexes [start, end); the last page also holds what sorts
   * after it (added out of order, e.g. a Find hit beyond the pages loaded).
   */
  pageRange(page: number): { start: number; end: number } {
    const start = page === 0 ? 0 : Math.min(this.pageEnds[page - 1] ?? this.order.length, this.order.length);
    const end = page >= this.pageEnds.length - 1 ? this.order.length : (this.pageEnds[page] as number);
    return { start, end };
  }

  /** The items from index `start` to `end` (exclusive). */
  slice(start: number, end: number): T[] {
    return this.order.slice(start, end).map((k) => this.byKey.get(k) as T);
  }

  /** The page (from 0) an item is shown in, or undefined when it is not in the list. */
  pageOf(key: string): number | undefined {
    const index = this.indexOf(key);
    if (index < 0) return undefined;
    const page = this.pageEnds.findIndex((end) => index < end);
    return page < 0 ? Math.max(0, this.pageEnds.length - 1) : page;
  }

  /** Where `key` is in the sorted list, or -1 (a binary search). */
  private indexOf(key: string): number {
    if (!this.byKey.has(key)) return -1;
    let low = 0;
    let high = this.order.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.order[middle] as string, key) < 0) low = middle + 1;
      else high = middle;
    }
    return this.order[low] === key ? low : this.order.indexOf(key);
  }

  /**
   * Where `key` goes: after every key that sorts before or with it. Pages arrive in order, so the
   * end is checked first; otherwise a binary search (a linear scan made "Load more…" quadratic).
   */
  private insertionIndex(key: string): number {
    const last = this.order[this.order.length - 1];
    if (last === undefined || compareKeys(last, key) <= 0) return this.order.length;
    let low = 0;
    let high = this.order.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.order[middle] as string, key) > 0) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** Forgets one item (deleted elsewhere); the cursor stays, so the next page follows on. */
  delete(key: string): void {
    if (!this.byKey.has(key)) return;
    const at = this.indexOf(key);
    this.byKey.delete(key);
    this.order.splice(at, 1);
    this.pageEnds = this.pageEnds.map((end) => (end > at ? end - 1 : end));
  }

  fail(message: string): void {
    this.error = message;
  }

  reset(): void {
    this.byKey.clear();
    this.order = [];
    this.pageEnds = [];
    this.nextCursor = undefined;
    this.loaded = false;
    this.error = undefined;
  }
}

function compareKeys(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** Applications are unique case-insensitively. */
export function applicationKey(name: string): string {
  return name.toLowerCase();
}

interface GroupInfo {
  kind: ApplicationKind;
  label: string;
  /** What the items under an application of this kind are called. */
  identifierNoun: string;
  icon: string;
}

// Getters, not values: the texts are looked up in the bundle when shown, after activation configured it.
const GROUPS: readonly GroupInfo[] = [
  { kind: 'adapter', get label() { return l10n.t('BizTalk adapters (port configuration)'); }, get identifierNoun() { return l10n.t('port configuration'); }, icon: 'plug' },
  { kind: 'configStore', get label() { return l10n.t('Config store applications'); }, get identifierNoun() { return l10n.t('config-store entry'); }, icon: 'settings' },
  { kind: 'affiliate', get label() { return l10n.t('Other affiliate applications'); }, get identifierNoun() { return l10n.t('mapping'); }, icon: 'organization' },
];

export function groupInfo(kind: ApplicationKind): GroupInfo {
  return GROUPS.find((g) => g.kind === kind) as GroupInfo;
}

interface ApplicationGroup extends GroupInfo {
  applications: ApplicationInfo[];
}

/** The non-empty groups, in a fixed order, each sorted as loaded. */
export function groupApplications(apps: ApplicationInfo[]): ApplicationGroup[] {
  return GROUPS.map((g) => ({ ...g, applications: apps.filter((a) => a.kind === g.kind) })).filter((g) => g.applications.length > 0);
}

/** Codicon names per kind. */
export function applicationIcon(app: ApplicationInfo): string {
  switch (app.kind) {
    case 'adapter':
      return 'plug';
    case 'configStore':
      return 'settings-gear';
    default:
      return 'key';
  }
}

const FLAG_NAMES: [number, string][] = [
  [AppFlags.enabled, 'enabled'],
  [AppFlags.groupMapping, 'group mapping'],
  [AppFlags.allowLocal, 'allow local accounts'],
  [AppFlags.adminSame, 'admin same as user group'],
  [AppFlags.configStore, 'config store'],
  [AppFlags.adapter, 'adapter'],
];

/**
 * The sentence written for an application's kind: each kind's sentence is whole, so that a
 * translator never fits a noun ("port configuration", "mapping") into someone else's sentence.
 */
export function perKind(kind: ApplicationKind, sentences: Record<ApplicationKind, () => string>): string {
  return sentences[kind]();
}

export function flagNames(flags: number): string[] {
  const names = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
  const known = FLAG_NAMES.reduce((acc, [bit]) => acc | bit, 0);
  const rest = flags & ~known;
  if (rest !== 0) names.push(l10n.t('other {0}', `0x${rest.toString(16)}`));
  return names;
}

export function formatFlags(flags: number): string {
  const names = flagNames(flags);
  return `0x${flags.toString(16).padStart(8, '0')}${names.length ? ` (${names.join(', ')})` : ''}`;
}

const GUID_NAME = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

/** What is needed to name an application for people (an ApplicationInfo, or less). */
interface NameableApplication {
  name: string;
  description: string;
  /** A name given from outside SSO (e.g. by BizTalk), preferred when present. */
  displayName?: string;
}

/** What is needed to name a configuration for people. */
interface NameableConfiguration {
  identifier: string;
  /** A name given from outside SSO, e.g. the BizTalk send port or receive location it belongs to. */
  displayName?: string;
}

/** BizTalk names adapter applications by GUID: those are shown by their description instead. */
function isGuidNamed(app: NameableApplication): boolean {
  return GUID_NAME.test(app.name) && app.description.trim().length > 0;
}

/**
 * The one place that names applications and configurations for people (tree, dialogs, toasts,
 * Find, titles, screen readers); the GUIDs stay in tooltips and "Copy Identifier".
 * An application: its display name, else for a GUID-named one its description, else its name.
 */
export function applicationLabel(app: NameableApplication): string {
  if (app.displayName?.trim()) return app.displayName.trim();
  return isGuidNamed(app) ? app.description.replace(/\s+configuration$/i, '') : app.name;
}

/** A configuration on its own (tree rows): its display name, else its identifier. */
export function identifierLabel(config: NameableConfiguration): string {
  return config.displayName?.trim() || config.identifier;
}

/** A configuration where its application is not shown next to it: "SFTP adapter: send ports › SP_Contoso_Orders_SFTP_1". */
export function configurationName(app: NameableApplication, config: NameableConfiguration): string {
  return `${applicationLabel(app)} › ${identifierLabel(config)}`;
}

/** Where an adapter application belongs in the tree: its adapter ("SFTP adapter") and its role there ("Send ports"). */
interface AdapterRole {
  adapter: string;
  role: string;
}

/** "SFTP adapter: send ports configuration" (BizTalk's descriptions, the sample data). */
const ADAPTER_COLON = /^(.+?)\s+adapter\s*:\s*(.+?)(?:\s+configuration)?\s*$/i;
/** "SFTP send handler (BizTalkServerApplication)" (the ENTSSO bridge's names from MgmtDb, handler descriptions). */
const ADAPTER_HANDLER = /^(.+?)\s+((?:send|receive)\s+handlers?\b.*?)\s*$/i;

function adapterRoleIn(text: string): AdapterRole | undefined {
  const m = ADAPTER_COLON.exec(text) ?? ADAPTER_HANDLER.exec(text);
  return m ? { adapter: `${m[1]} adapter`, role: capitalize(m[2] as string) } : undefined;
}

/**
 * The adapter an adapter application belongs to, read from the name people know it by, else its
 * description; undefined when neither names one (then it is listed on its own, as before).
 */
export function adapterRole(app: ApplicationInfo): AdapterRole | undefined {
  if (app.kind !== 'adapter') return undefined;
  return (app.displayName?.trim() ? adapterRoleIn(app.displayName.trim()) : undefined) ?? adapterRoleIn(app.description.trim());
}

/** Adapters are one node whatever the case of their name ("SFTP adapter", "sftp adapter"). */
export function adapterKey(adapter: string): string {
  return adapter.toLowerCase();
}

/**
 * An application's label under its adapter node: a name given from outside SSO stays (the ENTSSO
 * bridge's handler names); a GUID-named one is called by its role ("Send ports"); else its name.
 */
export function applicationLabelUnderAdapter(app: ApplicationInfo): string {
  const role = adapterRole(app);
  if (!role || app.displayName?.trim() || !isGuidNamed(app)) return applicationLabel(app);
  return role.role;
}

/** A row under a kind group: one adapter with its applications, or an application on its own. */
type KindGroupEntry = { adapter: string; key: string; applications: ApplicationInfo[] } | { application: ApplicationInfo };

/** The rows of a kind group, as the Explorer lists folders and files: by label, adapters holding their applications sorted by role. */
export function groupByAdapter(apps: ApplicationInfo[]): KindGroupEntry[] {
  const adapters = new Map<string, { adapter: string; key: string; applications: ApplicationInfo[] }>();
  const entries: KindGroupEntry[] = [];
  // Labels are worked out once, not in every comparison (10,000 applications load in pages).
  const labels = new Map<ApplicationInfo, string>();
  for (const app of apps) {
    const role = adapterRole(app);
    if (!role) {
      entries.push({ application: app });
      labels.set(app, applicationLabel(app));
      continue;
    }
    labels.set(app, applicationLabelUnderAdapter(app));
    const key = adapterKey(role.adapter);
    let entry = adapters.get(key);
    if (!entry) {
      entry = { adapter: role.adapter, key, applications: [] };
      adapters.set(key, entry);
      entries.push(entry);
    }
    entry.applications.push(app);
  }
  for (const entry of adapters.values()) entry.applications.sort((a, b) => LABEL_ORDER.compare(labels.get(a) as string, labels.get(b) as string));
  const entryLabel = (entry: KindGroupEntry) => ('adapter' in entry ? entry.adapter : (labels.get(entry.application) as string));
  return entries.sort((a, b) => LABEL_ORDER.compare(entryLabel(a), entryLabel(b)));
}

/** The order of `localeCompare(…, { sensitivity: 'base' })`, without building a collator per comparison. */
const LABEL_ORDER = new Intl.Collator(undefined, { sensitivity: 'base' });

/** Whether the label is something else than the name (then the name is shown beside it). */
function labelHidesName(app: ApplicationInfo): boolean {
  return Boolean(app.displayName?.trim()) || isGuidNamed(app);
}

/** The labels of a Find hit, by the same rules (a hit carries names, not the whole application). */
export function searchHitLabels(hit: SearchHit): { application: string; identifier?: string } {
  const application = hit.applicationDisplayName?.trim() || hit.application;
  return hit.identifier === undefined ? { application } : { application, identifier: identifierLabel({ identifier: hit.identifier, displayName: hit.identifierDisplayName }) };
}

export function applicationDescription(app: ApplicationInfo): string {
  const parts: string[] = [];
  if (!app.enabled) parts.push(l10n.t('disabled'));
  if (labelHidesName(app)) parts.push(app.name);
  else if (app.description) parts.push(app.description);
  return parts.join(' · ');
}

/** Applications in the order a person scans them: by what the tree shows. */
export function sortForDisplay(apps: ApplicationInfo[]): ApplicationInfo[] {
  return [...apps].sort((a, b) => applicationLabel(a).localeCompare(applicationLabel(b), undefined, { sensitivity: 'base' }));
}

export function applicationTooltip(app: ApplicationInfo): string {
  const g = groupInfo(app.kind);
  const none = escapeMarkdown(l10n.t('(none)'));
  const lines = [
    app.enabled ? `**${escapeMarkdown(app.name)}**` : l10n.t('**{0}** (disabled)', escapeMarkdown(app.name)),
    '',
    app.description ? escapeMarkdown(app.description) : l10n.t('_No description._'),
    '',
    l10n.t('- Kind: {0}', g.label),
    l10n.t('- Status: {0}', app.enabled ? l10n.t('enabled') : l10n.t('disabled: BizTalk cannot read its configuration')),
    l10n.t('- Contact: {0}', app.contact ? escapeMarkdown(app.contact) : none),
    l10n.t('- User group: {0}', app.userGroup ? escapeMarkdown(app.userGroup) : none),
    l10n.t('- Admin group: {0}', app.adminGroup ? escapeMarkdown(app.adminGroup) : none),
    l10n.t('- Flags: `{0}`', formatFlags(app.flags)),
    l10n.t('- Fields: {0}', app.numFields),
    perKind(app.kind, {
      adapter: () => l10n.t('- Port configurations: {0}', countOrUnknown(app)),
      configStore: () => l10n.t('- Config-store entries: {0}', countOrUnknown(app)),
      affiliate: () => l10n.t('- Mappings: {0}', countOrUnknown(app)),
    }),
  ];
  return lines.join('\n');
}

/** The count, or that it is not known (the ENTSSO bridge cannot count an affiliate application's mappings): never a 0 that was not counted. */
function countOrUnknown(app: ApplicationInfo): string {
  return app.identifierCountUnknown ? l10n.t('not counted (Enterprise SSO does not tell)') : String(app.identifierCount);
}

export function identifierCountText(app: ApplicationInfo): string {
  const n = app.identifierCount;
  if (app.identifierCountUnknown) {
    return perKind(app.kind, {
      adapter: () => l10n.t('port configurations not counted'),
      configStore: () => l10n.t('config-store entries not counted'),
      affiliate: () => l10n.t('mappings not counted'),
    });
  }
  return perKind(app.kind, {
    adapter: () => (n === 1 ? l10n.t('1 port configuration') : l10n.t('{0} port configurations', n)),
    configStore: () => (n === 1 ? l10n.t('1 config-store entry') : l10n.t('{0} config-store entries', n)),
    affiliate: () => (n === 1 ? l10n.t('1 mapping') : l10n.t('{0} mappings', n)),
  });
}

/** What a "Load more…" row ends: the list of applications (no kind), or the configurations of an application of `kind`. */
export function loadMoreLabel(loaded: number, total: number | undefined, kind: ApplicationKind | undefined): string {
  if (total === undefined) {
    if (kind === undefined) return l10n.t('Load more… ({0} applications shown)', loaded);
    return perKind(kind, {
      adapter: () => l10n.t('Load more… ({0} port configurations shown)', loaded),
      configStore: () => l10n.t('Load more… ({0} config-store entries shown)', loaded),
      affiliate: () => l10n.t('Load more… ({0} mappings shown)', loaded),
    });
  }
  if (kind === undefined) return l10n.t('Load more… ({0} of {1} applications shown)', loaded, total);
  return perKind(kind, {
    adapter: () => l10n.t('Load more… ({0} of {1} port configurations shown)', loaded, total),
    configStore: () => l10n.t('Load more… ({0} of {1} config-store entries shown)', loaded, total),
    affiliate: () => l10n.t('Load more… ({0} of {1} mappings shown)', loaded, total),
  });
}

/** A page of an application's configurations shown as a folder: what it holds, by position ("Port configurations 1001–2000"). */
export function pageLabel(first: number, last: number, kind: ApplicationKind): string {
  return perKind(kind, {
    adapter: () => l10n.t('Port configurations {0}–{1}', first, last),
    configStore: () => l10n.t('Config-store entries {0}–{1}', first, last),
    affiliate: () => l10n.t('Mappings {0}–{1}', first, last),
  });
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
