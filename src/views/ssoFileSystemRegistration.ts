/**
 * The registration of the `sso:` file system provider. VS Code 1.100 re-reads the read-only state
 * of open text editors when a provider of their scheme is (re-)registered, so registering again
 * with `isReadonly: MarkdownString` turns open documents read-only with our explanation, and back.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { editBlock, HEALTH_COMMAND, schemeBlock, type EditBlock } from '../model/serviceStatus';
import { SSO_SCHEME, parseSsoUri } from '../model/ssoUri';
import { cleanSsoDocuments, openSsoDocuments, type SsoFileSystemProvider } from './ssoFileSystem';

/**
 * True while the *active* environment cannot be changed (its edit block): hides the menu items of
 * write commands. `entsso.editsBlocked` is also true while a document of another environment is
 * open, which says nothing about what the active one can do.
 */
const CANNOT_ENCRYPT_KEY = 'entsso.cannotEncrypt';

export class SsoFileSystemRegistration implements vscode.Disposable {
  private registration: vscode.Disposable | undefined;
  /** The situation last applied: the scheme's read-only reason and the other environments of open documents. */
  private situationKey: string | undefined;
  private readonly subscription: vscode.Disposable;
  private readonly blockEmitter = new vscode.EventEmitter<EditBlock | undefined>();
  /** Edits became blocked, or allowed again (for the active environment or for documents of others). */
  readonly onDidChangeEditBlock = this.blockEmitter.event;

  constructor(
    readonly provider: SsoFileSystemProvider,
    private readonly connection: ConnectionManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.register(undefined);
    void vscode.commands.executeCommand('setContext', 'entsso.editsBlocked', false);
    void vscode.commands.executeCommand('setContext', CANNOT_ENCRYPT_KEY, false);
    const isSso = (d: vscode.TextDocument) => d.uri.scheme === SSO_SCHEME;
    this.subscription = vscode.Disposable.from(
      connection.onDidChange(() => this.update()),
      connection.onDidChangeEnvironment(() => this.environmentChanged()),
      // Others may have saved while the connection was down: open documents show what is stored now.
      connection.onDidConnect(() => provider.restat(cleanSsoDocuments())),
      vscode.workspace.onDidOpenTextDocument((d) => isSso(d) && this.update()),
      vscode.workspace.onDidCloseTextDocument((d) => isSso(d) && this.update()),
      vscode.workspace.onDidChangeTextDocument((e) => isSso(e.document) && provider.documentChanged(e.document)),
    );
  }

  /** Why documents of the active environment cannot be edited; undefined when they can. */
  get editBlock(): EditBlock | undefined {
    return this.provider.editBlock;
  }

  /** Applies the current situation; re-registers only when it changed. */
  private update(): void {
    const input = this.connection.statusInput();
    const activeBlock = input ? editBlock(input) : undefined;
    this.provider.editBlock = activeBlock;
    const others = this.otherEnvironmentsOfOpenDocuments();
    const scheme = schemeBlock(input?.environment ?? '', activeBlock, others);
    const key = `${scheme?.key ?? ''}\u0000${others.join('|')}`;
    if (key === this.situationKey) return;
    const wasBlocked = this.situationKey !== undefined && this.situationKey !== '\u0000';
    this.situationKey = key;
    this.register(scheme);
    const blocked = activeBlock !== undefined || others.length > 0;
    if (blocked || wasBlocked) {
      this.log.info(blocked ? `Editing of SSO documents is blocked (${[activeBlock?.key, ...others.map((e) => `other:${e}`)].filter(Boolean).join(', ')}).` : 'Editing of SSO documents is allowed again.');
    }
    void vscode.commands.executeCommand('setContext', 'entsso.editsBlocked', blocked);
    void vscode.commands.executeCommand('setContext', CANNOT_ENCRYPT_KEY, activeBlock !== undefined);
    this.blockEmitter.fire(activeBlock);
  }

  /**
   * Documents of the environment left turn read-only and those of the new one editable: VS Code
   * reads the read-only state of an unmodified document again when told it changed.
   */
  private environmentChanged(): void {
    this.update();
    this.provider.restat(cleanSsoDocuments());
  }

  private otherEnvironmentsOfOpenDocuments(): string[] {
    const names = new Map<string, string>();
    for (const doc of openSsoDocuments()) {
      const environment = parseSsoUri(doc.uri)?.environment;
      if (environment !== undefined && !this.provider.isActive(environment)) names.set(environment.toLowerCase(), environment);
    }
    return [...names.values()].sort();
  }

  private register(block: EditBlock | undefined): void {
    this.registration?.dispose();
    const isReadonly = block ? readOnlyMessage(block) : false;
    this.registration = vscode.workspace.registerFileSystemProvider(SSO_SCHEME, this.provider, { isCaseSensitive: true, isReadonly });
  }

  dispose(): void {
    this.subscription.dispose();
    this.blockEmitter.dispose();
    this.registration?.dispose();
    this.registration = undefined;
  }
}

/** The editor's read-only message; its Check Health link runs, and no other command link would. */
function readOnlyMessage(block: EditBlock): vscode.MarkdownString {
  const message = new vscode.MarkdownString(block.markdown);
  message.isTrusted = { enabledCommands: [HEALTH_COMMAND] };
  return message;
}
