/**
 * Whether the active environment's current master secret has a verified backup, from
 * `secret.info`, cached. Asked again only when something says it may have changed: a
 * (re)connection, a new master secret id in the pushed state (rotation, restore), a secret
 * command that just ran (`refresh()`), or when the answer is older than
 * BACKUP_STATUS_MAX_AGE_MS at the next state change. It never polls.
 */
import * as vscode from 'vscode';
import { SsoError } from '../protocol/errors';
import { BACKUP_STATUS_MAX_AGE_MS, backupStatusOf, type BackupStatus } from '../model/backupStatus';
import type { ConnectionManager } from './connectionManager';

export class BackupStatusCache implements vscode.Disposable {
  private status: BackupStatus | undefined;
  private fetchedAt = 0;
  private loading: Promise<void> | undefined;
  private generation = 0;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly connection: ConnectionManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables = [
      this.changeEmitter,
      connection.onDidConnect(() => void this.refresh()),
      connection.onDidChangeEnvironment(() => this.clear()),
      connection.onDidChange(() => {
        if (this.isStale()) void this.refresh();
      }),
    ];
  }

  /** The last known status of the active environment, if asked already. */
  get current(): BackupStatus | undefined {
    return this.status;
  }

  /** Asks the service now (one request in flight at a time). */
  refresh(): Promise<void> {
    if (!this.connection.isConnected) return Promise.resolve();
    const generation = this.generation;
    this.loading ??= this.connection
      .request('secret.info', {})
      .then((info) => {
        if (generation !== this.generation) return;
        this.status = backupStatusOf(info);
        this.fetchedAt = Date.now();
        this.changeEmitter.fire();
      })
      .catch((err: unknown) => {
        // The tooltip then simply says nothing about backups; the health view still checks.
        this.log.warn(`Could not read the master secret backup status: ${err instanceof SsoError ? `${err.message} [${err.code}]` : 'unexpected error'}`);
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private isStale(): boolean {
    if (!this.connection.isConnected || this.loading) return false;
    const msid = this.connection.state?.msid;
    if (this.status && msid !== undefined && msid !== this.status.msid) return true;
    return this.status !== undefined && Date.now() - this.fetchedAt > BACKUP_STATUS_MAX_AGE_MS;
  }

  private clear(): void {
    this.generation++;
    this.status = undefined;
    this.loading = undefined;
    this.changeEmitter.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
