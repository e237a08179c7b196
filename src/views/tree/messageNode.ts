import * as vscode from 'vscode';
import type { ApplicationInfo } from '../../protocol/messages';
import { ListEndNode } from './listEndNode';

const ICON = new vscode.ThemeIcon('info');

/** A line that says why a list is empty ("No port configurations yet."). */
export class MessageNode extends ListEndNode {
  readonly type = 'empty';

  constructor(
    id: string,
    env: string,
    app: ApplicationInfo | undefined,
    public message: string,
  ) {
    super(id, env, app);
  }

  treeItem(): vscode.TreeItem {
    return this.leafItem(this.message, ICON, 'message');
  }
}
