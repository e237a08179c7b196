/**
 * The registration of the `sso:` file system provider. VS Code 1.100 re-reads the read-only state
 * of open text editors when a provider of their scheme is (re-)registered, so registering again
 * with `isReadonly: MarkdownString` turns open documents read-only with our explanation, and back.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { editBlock, type EditBlock } from '../model/serviceStatus';
import { SSO_SCHEME } from '../model/ssoUri';
import type { SsoFileSystemProvider } from './ssoFileSystem';

/**
 * Owns the registration of the provider for the `sso` scheme and switches it between
 * writable and read-only (with the reason) as the environment's ability to encrypt changes.
 */
export class SsoFileSystemRegistration implements vscode.Disposable {
  private registration: vscode.Disposable | undefined;
  private blockKey: string | undefined;
  private readonly subscription: vscode.Disposable;
  private readonly blockEmitter = new vscode.EventEmitter<EditBlock | undefined>();
  /** Edits became blocked, or allowed again. */
  readonly onDidChangeEditBlock = this.blockEmitter.event;

  constructor(
    readonly provider: SsoFileSystemProvider,
    private readonly connection: ConnectionManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.register(undefined);
    void vscode.commands.executeCommand('setContext', 'entsso.editsBlocked', false);
    this.subscription = vscode.Disposable.from(
      connection.onDidChange(() => {
        const input = connection.statusInput();
        this.setEditBlock(input ? editBlock(input) : undefined);
      }),
      provider.hideRevealedOnTabClose(),
    );
  }

  get editBlock(): EditBlock | undefined {
    return this.provider.editBlock;
  }

  /** Applies the current block (or none); re-registers only when the situation changed. */
  setEditBlock(block: EditBlock | undefined): boolean {
    const key = block?.key;
    if (key === this.blockKey) {
      if (block) this.provider.editBlock = block;
      return false;
    }
    const wasBlocked = this.blockKey !== undefined;
    this.blockKey = key;
    this.provider.editBlock = block;
    this.register(block);
    if (block || wasBlocked) this.log.info(block ? `Editing of SSO documents is blocked (${key}).` : 'Editing of SSO documents is allowed again.');
    void vscode.commands.executeCommand('setContext', 'entsso.editsBlocked', block !== undefined);
    this.blockEmitter.fire(block);
    return true;
  }

  private register(block: EditBlock | undefined): void {
    this.registration?.dispose();
    const isReadonly = block ? new vscode.MarkdownString(block.markdown) : false;
    this.registration = vscode.workspace.registerFileSystemProvider(SSO_SCHEME, this.provider, { isCaseSensitive: true, isReadonly });
  }

  dispose(): void {
    this.subscription.dispose();
    this.blockEmitter.dispose();
    this.registration?.dispose();
    this.registration = undefined;
  }
}

