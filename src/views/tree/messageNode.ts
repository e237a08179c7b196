import * as vscode from 'vscode';
import { ListTextNode } from './listEndNode';

const ICON = new vscode.ThemeIcon('info');

/** A line that says why a list is empty ("No port configurations yet."). */
export class MessageNode extends ListTextNode {
  readonly type = 'empty';

  treeItem(): vscode.TreeItem {
    return this.leafItem(this.message, ICON, 'message');
  }
}
