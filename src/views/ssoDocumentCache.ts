/**
 * What the `sso:` file system remembers about the documents it served (the version each was read
 * from, its schema, its one-field layout) and, per
 * application, the field order and ApplicationInfo. It owns forgetting: a closed document's
 * entry goes, a deleted one's becomes a `deleted` marker (until the next read), and a refresh
 * drops what is kept per application.
 */
import * as vscode from 'vscode';
import type { ApplicationDetail, ApplicationInfo } from '../protocol/messages';
import type { DocumentSchema } from '../model/configDocument';
import type { LayoutView } from '../model/configLayout';
import type { RowVersion, StatVersion } from '../model/documentVersion';
import { parseSsoUri } from '../model/ssoUri';

export interface DocumentEntry {
  /** The version the document was last read from (or written as). */
  base?: RowVersion;
  /** A read whose text the editor did not hold yet (a reload, or VS Code's Compare with Saved): see SsoFileSystemProvider.readAt. */
  unloadedRead?: { version: RowVersion; text: string };
  /** The version the last stat() saw, and when. */
  lastStat?: StatVersion;
  schema?: DocumentSchema;
  /** Bumped when the text we would serve changes without a new row version (re-mask, fields added). */
  generation: number;
  /** Set when the document shows a one-field layout as key/values. */
  layout?: LayoutView;
  /** Why a document that looks like a layout is shown field by field. */
  layoutNotice?: string;
  /** Deleted from the explorer while open: a save says so (and how to keep the text) until it is read again. */
  deleted?: boolean;
}

export class SsoDocumentCache {
  private readonly entries = new Map<string, DocumentEntry>();
  private readonly fieldOrders = new Map<string, string[]>();
  /** Applications of documents read, so that documents can be named for people (per environment and application). */
  private readonly applications = new Map<string, ApplicationInfo>();

  get(uri: vscode.Uri): DocumentEntry | undefined {
    return this.entries.get(uri.toString());
  }

  /** The entry of `uri`, made empty when there is none yet. */
  entry(uri: vscode.Uri): DocumentEntry {
    const key = uri.toString();
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { generation: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Nothing about the document is kept. */
  forget(uri: vscode.Uri): void {
    this.entries.delete(uri.toString());
  }

  /** Only that it was deleted is kept (until its document closes or it is read again). */
  markDeleted(uri: vscode.Uri): void {
    this.entries.set(uri.toString(), { generation: 0, deleted: true });
  }

  /** The documents read of one application of one environment (application names compare without case, as SSO does). */
  documentsOf(environment: string, application: string): { uri: vscode.Uri; entry: DocumentEntry }[] {
    const out: { uri: vscode.Uri; entry: DocumentEntry }[] = [];
    for (const [key, entry] of this.entries) {
      const uri = vscode.Uri.parse(key);
      const path = parseSsoUri(uri);
      if (path?.environment === environment && path.application?.toLowerCase() === application.toLowerCase()) out.push({ uri, entry });
    }
    return out;
  }

  fieldOrder(environment: string, application: string): string[] | undefined {
    return this.fieldOrders.get(applicationKey(environment, application));
  }

  application(environment: string, application: string): ApplicationInfo | undefined {
    return this.applications.get(applicationKey(environment, application));
  }

  /** Keeps an application as read from the service; returns its field order. */
  rememberApplication(environment: string, app: ApplicationDetail): string[] {
    const key = applicationKey(environment, app.name);
    const order = [...app.fields].sort((a, b) => a.ordinal - b.ordinal).map((f) => f.label);
    this.applications.set(key, app);
    this.fieldOrders.set(key, order);
    return order;
  }

  /** Field orders and applications are read again after this (a refresh, a field change). */
  forgetApplications(): void {
    this.fieldOrders.clear();
    this.applications.clear();
  }
}

function applicationKey(environment: string, application: string): string {
  return `${environment}\u0000${application.toLowerCase()}`;
}
