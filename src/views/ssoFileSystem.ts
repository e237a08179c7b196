/**
 * The `sso:` file system: `sso:/<environment>/<application>/<identifier>.json` is one port
 * configuration or config-store entry, read and written through the SSO service.
 *
 * - `stat().mtime` is the row's `modifiedAt`, read fresh, so VS Code's own "newer on disk"
 *   compare/overwrite flow catches changes made elsewhere while a document is dirty.
 *   VS Code only calls it a conflict when the size differs too (fileService.validateWriteFile
 *   compares etags built from the *old* mtime and the *new* size), so `size` is derived from
 *   the row version: every version of a row reports a different size. (A virtual document has
 *   no size before it is decrypted, so nothing real is lost.)
 * - `writeFile` sends `expectedTimestamp` = the version the document was read from, so the
 *   service refuses a stale save (ENTSSO_E_CONFLICT) instead of losing an update.
 * - While the environment cannot encrypt (cached secret, no secret, re-encryption, service
 *   unreachable) the provider is registered with `isReadonly: MarkdownString`: VS Code 1.100
 *   re-reads the read-only state of open text editors when a provider of their scheme is
 *   (re-)registered (AbstractTextEditor listens to onDidChangeFileSystemProviderRegistrations),
 *   so open documents turn read-only with our explanation and back without reopening.
 *   writeFile refuses too, without calling the service.
 * - A config-store entry kept in one `AppConfig` (<appSettings> XML) or `settings` (JSON) field is
 *   shown as readable key/values and saved back in its own layout (model/configLayout.ts), unless
 *   opened with the query `view=fields` (the stored field itself).
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { SsoError } from '../protocol/errors';
import type { ConfigDocument, IdentifierInfo, ListedIdentifier } from '../protocol/messages';
import { configurationName } from '../model/applicationList';
import {
  schemaOf,
  serializeConfig,
  summarizeProblems,
  toSetRequest,
  validateConfigText,
  type DocumentProblem,
  type DocumentSchema,
  type SetRequestFields,
} from '../model/configDocument';
import { detectLayout, serializeLayout, validateLayoutText, type LayoutView } from '../model/configLayout';
import { expectedVersion, versionSize, type RowVersion } from '../model/documentVersion';
import { otherEnvironmentBlock, type EditBlock } from '../model/serviceStatus';
import { directoryCutMessage, type ListedKind } from '../model/pagedList';
import { SSO_SCHEME, formatSsoPath, formatSsoUri, isFieldsView, parseSsoUri, sameSsoDocument, type DocumentLabels } from '../model/ssoUri';
import { SsoDocumentCache, type DocumentEntry } from './ssoDocumentCache';
import { saveError, saveFailureReasonOf, toFileSystemError } from './ssoFileErrors';
import { notifyWarning } from './notifications';

/** A folder of the `sso:` file system lists at most this many entries (one page of the service). */
const MAX_DIRECTORY_ENTRIES = 1000;
/** Folders whose cut was shown in a message: once each, and a bounded set. */
const MAX_CUT_NOTICES = 100;


interface WriteEvent {
  uri: vscode.Uri;
  environment: string;
  application: string;
  identifier: string;
  /** Masked fields that got a new value. Names only. */
  changedMasked: string[];
  /** The row as written. */
  row: IdentifierInfo;
}

interface RefusedEvent {
  uri: vscode.Uri;
  text: string;
  problems: DocumentProblem[];
}

const REMASK_DELAY_MS = 400;

/** The URI of a configuration document; with `labels`, its tab and breadcrumbs show those names (model/ssoUri.ts). */
export function ssoUri(environment: string, application: string, identifier: string, labels?: DocumentLabels): vscode.Uri {
  return vscode.Uri.from({ scheme: SSO_SCHEME, ...formatSsoUri(environment, application, identifier, labels) });
}

/** The URI under which a configuration is open now (whatever names it is shown by), else its plain URI. */
export function openUriOf(environment: string, application: string, identifier: string): vscode.Uri {
  const plain = ssoUri(environment, application, identifier);
  return openSsoDocuments().find((d) => sameSsoDocument(d.uri, plain))?.uri ?? plain;
}

export class SsoFileSystemProvider implements vscode.FileSystemProvider {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changeEmitter.event;
  private readonly writeEmitter = new vscode.EventEmitter<WriteEvent>();
  /** A configuration was saved. */
  readonly onDidWrite = this.writeEmitter.event;
  private readonly readEmitter = new vscode.EventEmitter<vscode.Uri>();
  /** A document was read, or its application's fields changed: its schema is known (diagnostics can validate it). */
  readonly onDidRead = this.readEmitter.event;
  private readonly refusedEmitter = new vscode.EventEmitter<RefusedEvent>();
  /** A save was refused because the document is invalid. */
  readonly onDidRefuse = this.refusedEmitter.event;

  private readonly cache = new SsoDocumentCache();
  /** Set while edits of the active environment's documents are blocked; writeFile refuses with it. */
  editBlock: EditBlock | undefined;
  private readonly cutDirectoriesShown = new Set<string>();

  constructor(
    private readonly connection: ConnectionManager,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  dispose(): void {
    this.changeEmitter.dispose();
    this.writeEmitter.dispose();
    this.readEmitter.dispose();
    this.refusedEmitter.dispose();
  }

  /** The schema (fields, masked) of a document read before, if any. */
  schemaFor(uri: vscode.Uri): DocumentSchema | undefined {
    return this.cache.get(uri)?.schema;
  }

  /** How a document read before is shown: as a layout (with its description) or with a notice why not. */
  layoutOf(uri: vscode.Uri): { layout?: LayoutView; notice?: string } {
    const entry = this.cache.get(uri);
    return { layout: entry?.layout, notice: entry?.layoutNotice };
  }

  /** Problems of `text` as the document `uri` (read before) would be saved; undefined when it was not read. */
  problemsIn(uri: vscode.Uri, text: string): DocumentProblem[] | undefined {
    const entry = this.cache.get(uri);
    if (entry?.layout) {
      const r = validateLayoutText(text, entry.layout);
      return r.ok ? [] : r.problems;
    }
    if (!entry?.schema) return undefined;
    const r = validateConfigText(text, entry.schema);
    return r.ok ? [] : r.problems;
  }

  /** What people call the configuration of `uri`: "SFTP adapter: send ports › {GUID}" (see configurationName). */
  nameOf(uri: vscode.Uri): string {
    const path = parseSsoUri(uri);
    if (!path?.application || path.identifier === undefined) return uri.path;
    const app = this.cache.application(path.environment, path.application);
    return configurationName(app ?? { name: path.application, description: '' }, { identifier: path.identifier });
  }

  /** Why the document `uri` cannot be edited now, judged by the environment in its own URI; undefined when it can. */
  blockOf(uri: vscode.Uri): EditBlock | undefined {
    const path = parseSsoUri(uri);
    return path ? this.blockOfEnvironment(path.environment) : this.editBlock;
  }

  private blockOfEnvironment(environment: string): EditBlock | undefined {
    const active = this.connection.environment?.name;
    return this.isActive(environment) ? this.editBlock : otherEnvironmentBlock(environment, active);
  }

  /** Environment names compare without case, as the connection does. */
  isActive(environment: string): boolean {
    return this.connection.environment?.name.toLowerCase() === environment.toLowerCase();
  }

  /**
   * The text of `revealed` (a revealed read the Reveal command made, audited by the service) as
   * the document `uri` shows it, for the separate read-only revealed document: never served here.
   */
  revealedText(uri: vscode.Uri, revealed: ConfigDocument): string {
    const path = parseSsoUri(uri);
    const schema = schemaOf(revealed, path ? this.cache.fieldOrder(path.environment, revealed.application) : undefined);
    const view = isFieldsView(uri.query) ? undefined : detectLayout(revealed).view;
    return view ? serializeLayout(view) : serializeConfig(revealed, schema);
  }

  /**
   * Sets masked field `label` of the document `uri` to `value` (typed in a password box: it never
   * enters a text model, so neither undo nor VS Code's backups can hold it), over the version the
   * document was read from: a change made meanwhile is refused as a conflict. The document then
   * reloads with the placeholder.
   */
  async setMaskedField(uri: vscode.Uri, label: string, value: string): Promise<void> {
    const path = this.parse(uri);
    const entry = this.cache.get(uri);
    if (path.identifier === undefined || !entry?.base) {
      throw new SsoError('ENTSSO_E_INVALID_REQUEST', vscode.l10n.t('Open it from the Enterprise SSO explorer first.'));
    }
    const where = describe(path);
    const block = this.blockOfEnvironment(path.environment);
    if (block) throw new SsoError('ENTSSO_E_INVALID_REQUEST', vscode.l10n.t('Not saved. {0}', block.plain));
    let row: IdentifierInfo;
    try {
      row = await this.connection.request(
        'config.set',
        { application: path.application as string, identifier: path.identifier, fields: { [label]: value }, expectedTimestamp: entry.base.timestamp },
        path.environment,
      );
    } catch (err) {
      this.log.warn(`Masked field "${label}" of ${where} not set [${err instanceof SsoError ? err.code : 'unexpected'}].`);
      // Nothing was typed in the document, so there is nothing to merge: reload it and set again.
      if (err instanceof SsoError && err.code === 'ENTSSO_E_CONFLICT') {
        throw new SsoError('ENTSSO_E_CONFLICT', vscode.l10n.t('Not set: "{0}" changed since you opened it. Refresh it, then set the field again.', this.nameOf(uri)));
      }
      throw err;
    }
    this.log.info(`Masked field "${label}" of ${where} set.`);
    this.writeEmitter.fire({ uri, environment: path.environment, application: path.application as string, identifier: path.identifier, changedMasked: [label], row });
    // VS Code reloads the (unmodified) document: it stats a new version and reads it.
    entry.generation++;
    this.changeEmitter.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  private conflictError(uri: vscode.Uri): SsoError {
    return new SsoError(
      'ENTSSO_E_CONFLICT',
      vscode.l10n.t(
        'Not saved: "{0}" was changed by someone else after you opened it. Compare your version with the stored one, merge, then save again; or revert to take the stored version.',
        this.nameOf(uri),
      ),
    );
  }

  /** The configuration was deleted: its editors say so, and nothing about it is kept but that (a save says it was deleted). */
  deleted(uri: vscode.Uri): void {
    const same = openSsoDocuments().map((d) => d.uri).filter((u) => u.toString() !== uri.toString() && sameSsoDocument(u, uri));
    for (const u of [uri, ...same]) this.cache.markDeleted(u);
    this.changeEmitter.fire([uri, ...same].map((u) => ({ type: vscode.FileChangeType.Deleted, uri: u })));
  }

  /** Forget what is cached about a closed document (masked values are hidden again next time). */
  forget(uri: vscode.Uri): void {
    this.cache.forget(uri);
  }

  /**
   * Fields were added to an application: documents of it shown field by field accept them at
   * once, so that a document being edited (which is not reloaded) can be saved with them.
   */
  fieldsAdded(environment: string, application: string, fields: { label: string; masked: boolean }[]): void {
    for (const { uri, entry } of this.cache.documentsOf(environment, application)) {
      if (!entry.schema || entry.layout) continue;
      const added = fields.filter((f) => !entry.schema?.fields.includes(f.label));
      entry.schema = {
        ...entry.schema,
        fields: [...entry.schema.fields, ...added.map((f) => f.label)],
        masked: [...entry.schema.masked, ...added.filter((f) => f.masked).map((f) => f.label)],
      };
      this.readEmitter.fire(uri);
    }
  }

  /**
   * Fields were removed from an application: documents of it shown field by field stop accepting
   * them at once, so that a document being edited (which is not reloaded) shows the removed field
   * as a problem and its save is refused with that reason instead of failing in the service.
   */
  fieldsRemoved(environment: string, application: string, labels: string[]): void {
    const removed = new Set(labels);
    for (const { uri, entry } of this.cache.documentsOf(environment, application)) {
      if (!entry.schema || entry.layout) continue;
      entry.schema = {
        ...entry.schema,
        fields: entry.schema.fields.filter((f) => !removed.has(f)),
        masked: entry.schema.masked.filter((f) => !removed.has(f)),
      };
      this.readEmitter.fire(uri);
    }
  }

  /** Field orders are cached per application; a refresh drops them. */
  clearCaches(): void {
    this.cache.forgetApplications();
  }

  /**
   * Makes VS Code read open (unmodified) documents again. Their text may have changed without a
   * new row version (Add Fields, or Remove Fields of a field no row held a value for), and VS Code
   * reloads only what stat() reports as changed: hence a new generation for each.
   */
  touchAll(uris: vscode.Uri[]): void {
    for (const uri of uris) {
      const entry = this.cache.get(uri);
      if (entry) entry.generation++;
    }
    if (uris.length) this.changeEmitter.fire(uris.map((uri) => ({ type: vscode.FileChangeType.Changed, uri })));
  }

  /**
   * Makes VS Code stat open documents again: their read-only state may have changed, or their
   * stored version (then VS Code reloads an unmodified one; one whose version did not move keeps its text).
   */
  restat(uris: vscode.Uri[]): void {
    if (uris.length) this.changeEmitter.fire(uris.map((uri) => ({ type: vscode.FileChangeType.Changed, uri })));
  }

  // ------------------------------------------------------------------ FileSystemProvider

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const path = this.parse(uri);
    if (path.identifier === undefined) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    if (!this.isActive(path.environment)) return this.statOfOtherEnvironment(uri, path.environment);
    const row = await this.call(uri, () => this.findRow(path.environment, path.application as string, path.identifier as string));
    const entry = this.cache.entry(uri);
    entry.lastStat = { timestamp: row.timestamp, modifiedAt: row.modifiedAt, at: Date.now() };
    return {
      type: vscode.FileType.File,
      ctime: row.modifiedAt,
      mtime: row.modifiedAt,
      // Always editable: revealed values are never served here but in a read-only document of
      // their own (revealedDocuments.ts), since this model's undo stack and backups keep what it held.
      size: versionSize(row.modifiedAt, entry.generation),
    };
  }

  /**
   * A document of an environment the explorer is not connected to: read-only, as last seen (its
   * service cannot be asked), so that VS Code keeps its text and shows it read-only.
   */
  private statOfOtherEnvironment(uri: vscode.Uri, environment: string): vscode.FileStat {
    const entry = this.cache.get(uri);
    const seen = entry?.lastStat ?? entry?.base;
    if (!entry || !seen) throw vscode.FileSystemError.Unavailable(otherEnvironmentBlock(environment, this.connection.environment?.name).plain);
    return {
      type: vscode.FileType.File,
      ctime: seen.modifiedAt,
      mtime: seen.modifiedAt,
      size: versionSize(seen.modifiedAt, entry.generation),
      permissions: vscode.FilePermission.Readonly,
    };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const path = this.parse(uri);
    if (path.identifier === undefined) throw vscode.FileSystemError.FileIsADirectory(uri);
    const entry = this.cache.entry(uri);
    const doc = await this.call(uri, () => this.connection.request('config.get', { application: path.application as string, identifier: path.identifier as string }, path.environment));
    const order = await this.fieldOrder(path.environment, doc).catch(() => undefined);
    const schema = schemaOf(doc, order);
    entry.schema = schema;
    entry.deleted = undefined;
    const detected = isFieldsView(uri.query) ? {} : detectLayout(doc);
    entry.layout = detected.view;
    entry.layoutNotice = detected.notice;
    this.log.info(
      `Read ${describe(path)}${detected.view ? ` as key/values of its "${detected.view.field}" field` : ''}`,
    );
    const text = detected.view ? serializeLayout(detected.view) : serializeConfig(doc, schema);
    this.readAt(uri, entry, { timestamp: doc.timestamp, modifiedAt: doc.modifiedAt }, text);
    this.readEmitter.fire(uri);
    return Buffer.from(text, 'utf8');
  }

  /**
   * Only a read whose text the editor holds, or is about to load, moves the version its saves are
   * based on. VS Code also reads for "Compare with Saved" without loading the text into the editor;
   * a save based on that newer version would overwrite the change the user only looked at (through
   * the ENTSSO bridge, whose mtime is 0, VS Code's own check cannot catch it). An open editor that
   * reloads or reverts loads the text after the read: documentChanged() moves the base then.
   */
  private readAt(uri: vscode.Uri, entry: DocumentEntry, version: RowVersion, text: string): void {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!open || open.getText() === text) {
      entry.base = version;
      entry.unloadedRead = undefined;
    } else {
      entry.unloadedRead = { version, text };
    }
  }

  /** An open document changed: when it now holds the text of a read not loaded yet (reload, revert), its saves are based on that read. */
  documentChanged(document: vscode.TextDocument): void {
    const entry = this.cache.get(document.uri);
    const read = entry?.unloadedRead;
    if (!entry || !read || document.getText() !== read.text) return;
    entry.base = read.version;
    entry.unloadedRead = undefined;
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): Promise<void> {
    const path = this.parse(uri);
    if (path.identifier === undefined) throw vscode.FileSystemError.FileIsADirectory(uri);
    const where = describe(path);
    const block = this.blockOfEnvironment(path.environment);
    if (block) {
      this.log.warn(`Save of ${where} refused: edits are blocked (${block.key.split(':')[0]}).`);
      throw saveError(block.key.startsWith('other:') ? 'OTHER_ENVIRONMENT' : 'EDITS_BLOCKED', vscode.l10n.t('Not saved. {0}', block.plain));
    }
    const entry = this.cache.get(uri);
    if (entry?.deleted) {
      this.log.warn(`Save of ${where} refused: it was deleted from the explorer.`);
      throw saveError('ENTSSO_E_MAPPING_NOT_FOUND', deletedSaveMessage(path.identifier));
    }
    if (!entry?.base || !entry.schema) {
      if (options.create && !options.overwrite) {
        throw saveError('NOT_OPENED_FROM_EXPLORER', vscode.l10n.t('New configurations cannot be created by saving a file. Right-click the application in the Enterprise SSO explorer and choose "New Configuration…".'));
      }
      throw saveError('NOT_OPENED_FROM_EXPLORER', vscode.l10n.t('Not saved: open {0} from the Enterprise SSO explorer first, so that the save can be checked against the version you read.', path.identifier));
    }
    const text = Buffer.from(content).toString('utf8');
    const request = this.setRequestFor(uri, entry, entry.schema, text, where);
    const expected = expectedVersion(entry.base, entry.lastStat, Date.now());
    let row: IdentifierInfo;
    try {
      row = await this.connection.request(
        'config.set',
        {
          application: path.application as string,
          identifier: path.identifier,
          fields: request.fields,
          expectedTimestamp: expected.timestamp,
          ...(request.clearMasked.length ? { clearMasked: request.clearMasked } : {}),
        },
        path.environment,
      );
      entry.base = { timestamp: row.timestamp, modifiedAt: row.modifiedAt };
      entry.unloadedRead = undefined;
      entry.lastStat = { ...entry.base, at: Date.now() };
      // Later saves edit what is stored now, so that what the key/values do not show survives them too.
      if (entry.layout) entry.layout = { ...entry.layout, stored: request.fields[entry.layout.field] ?? entry.layout.stored };
      this.log.info(`Saved ${where}: ${Object.keys(request.fields).length} field(s)${request.clearMasked.length ? `, ${request.clearMasked.length} masked field(s) cleared` : ''}.`);
    } catch (err) {
      if (err instanceof SsoError && err.code === 'ENTSSO_E_CONFLICT') {
        this.log.warn(`Save of ${where} refused: it changed in SSO after it was read [ENTSSO_E_CONFLICT].`);
        throw saveError('ENTSSO_E_CONFLICT', this.conflictError(uri).message);
      }
      const reason = saveFailureReasonOf(err);
      this.log.warn(`Save of ${where} failed [${reason}].`);
      throw saveError(reason, err instanceof SsoError ? err.message : vscode.l10n.t('Not saved: the save of "{0}" failed unexpectedly. See "SSO: Show Log".', this.nameOf(uri)));
    }
    this.writeEmitter.fire({ uri, environment: path.environment, application: path.application as string, identifier: path.identifier, changedMasked: request.changedMasked, row });
    if (request.changedMasked.length) {
      // Show the placeholder again instead of the new password the user typed (which stays in the
      // model's undo history: README says so and recommends "SSO: Set Masked Field…").
      setTimeout(() => {
        entry.generation++;
        this.changeEmitter.fire([{ type: vscode.FileChangeType.Changed, uri }]);
      }, REMASK_DELAY_MS);
    }
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const path = this.parse(uri);
    if (path.identifier !== undefined) throw vscode.FileSystemError.FileNotADirectory(uri);
    if (path.application === undefined) {
      const page = await this.call(uri, () => this.connection.request('apps.list', { limit: MAX_DIRECTORY_ENTRIES }, path.environment));
      if (page.nextCursor) this.sayDirectoryIsCut(uri, 'applications');
      return page.items.map((a) => [formatSsoPath('x', a.name).slice(3), vscode.FileType.Directory]);
    }
    const page = await this.call(uri, () => this.connection.request('identifiers.list', { application: path.application as string, limit: MAX_DIRECTORY_ENTRIES }, path.environment));
    if (page.nextCursor) this.sayDirectoryIsCut(uri, 'configurations');
    return page.items.map((i) => [formatSsoPath('x', 'y', i.identifier).split('/')[3] as string, vscode.FileType.File]);
  }

  /** A folder view of more entries than it lists says so, once per folder, with where to find the rest. */
  private sayDirectoryIsCut(uri: vscode.Uri, kind: ListedKind): void {
    if (this.cutDirectoriesShown.has(uri.toString()) || this.cutDirectoriesShown.size >= MAX_CUT_NOTICES) return;
    this.cutDirectoriesShown.add(uri.toString());
    const message = directoryCutMessage(uri.toString(), kind, MAX_DIRECTORY_ENTRIES);
    this.log.warn(message);
    void notifyWarning(message, vscode.l10n.t('Find…')).then((choice) => {
      if (choice) void vscode.commands.executeCommand('entsso.find');
    });
  }

  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('SSO applications are not folders: create one with "SSO: Create Application…".'));
  }

  delete(): void {
    throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('Delete a configuration from the Enterprise SSO explorer: right-click it and choose "Delete Configuration".'));
  }

  rename(): void {
    throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('SSO configurations cannot be renamed.'));
  }

  // ------------------------------------------------------------------ internals

  /** The `config.set` fields of a document's text, or a refusal listing its problems (by position, never by value). */
  private setRequestFor(uri: vscode.Uri, entry: DocumentEntry, schema: DocumentSchema, text: string, where: string): SetRequestFields {
    const refuse = (problems: DocumentProblem[]): never => {
      this.log.warn(`Save of ${where} refused: ${problems.length} problem(s) in the document.`);
      this.refusedEmitter.fire({ uri, text, problems });
      throw saveError('INVALID_DOCUMENT', vscode.l10n.t('Not saved: {0} Fix the document (see the Problems panel), then save again.', summarizeProblems(text, problems)));
    };
    if (entry.layout) {
      const result = validateLayoutText(text, entry.layout);
      if (!result.ok) return refuse(result.problems);
      return { fields: { [entry.layout.field]: result.value }, clearMasked: [], changedMasked: [] };
    }
    const result = validateConfigText(text, schema);
    if (!result.ok) return refuse(result.problems);
    return toSetRequest(result.values, schema);
  }

  private parse(uri: vscode.Uri): { environment: string; application?: string; identifier?: string } {
    const path = parseSsoUri(uri);
    if (!path) throw vscode.FileSystemError.FileNotFound(uri);
    return path;
  }

  private async findRow(environment: string, application: string, identifier: string): Promise<ListedIdentifier> {
    let cursor: string | undefined;
    let ci: ListedIdentifier | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await this.connection.request('identifiers.list', { application, filter: identifier, limit: 100, ...(cursor ? { cursor } : {}) }, environment);
      const exact = page.items.find((i) => i.identifier === identifier);
      if (exact) return exact;
      ci ??= page.items.find((i) => i.identifier.toLowerCase() === identifier.toLowerCase());
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    if (ci) return ci;
    throw new SsoError('ENTSSO_E_MAPPING_NOT_FOUND', vscode.l10n.t('Application "{0}" has no configuration "{1}". It may have been deleted: refresh the explorer.', application, identifier));
  }

  private async fieldOrder(environment: string, doc: ConfigDocument): Promise<string[]> {
    const known = this.cache.fieldOrder(environment, doc.application);
    if (known) return known;
    const app = await this.connection.request('apps.get', { name: doc.application }, environment);
    return this.cache.rememberApplication(environment, app);
  }

  private async call<T>(uri: vscode.Uri, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      throw this.toFsError(err, vscode.l10n.t('Access to {0}', uri.path));
    }
  }

  private toFsError(err: unknown, what: string): Error {
    return toFileSystemError(err, what, this.log);
  }
}

/** What a save of a configuration deleted while it was open says: how to keep the text. */
function deletedSaveMessage(identifier: string): string {
  return vscode.l10n.t(
    'Not saved: "{0}" was deleted from SSO. To keep your text, copy it, close this editor without saving, create "{0}" again with "New Configuration…" on its application, then paste it and save.',
    identifier,
  );
}

function describe(path: { application?: string; identifier?: string; environment: string }): string {
  return `"${path.identifier}" of "${path.application}" in "${path.environment}"`;
}

/** The configuration documents currently open in VS Code. */
export function openSsoDocuments(): vscode.TextDocument[] {
  return vscode.workspace.textDocuments.filter((d) => d.uri.scheme === SSO_SCHEME && !d.isClosed);
}

/**
 * The open configuration documents without unsaved changes. Told they changed (restat), VS Code
 * stats each (one identifiers.list) and reloads those whose version moved; a dirty one is left to
 * VS Code's own "newer on disk" check at its save.
 */
export function cleanSsoDocuments(): vscode.Uri[] {
  return openSsoDocuments().filter((d) => !d.isDirty).map((d) => d.uri);
}
