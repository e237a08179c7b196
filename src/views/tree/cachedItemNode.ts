import type * as vscode from 'vscode';

/**
 * A row whose tree item is built once and kept until what it shows changes: VS Code asks again for
 * every child of a node each time the node changes (e.g. at each "Load more…" of its parent, up to
 * thousands of rows), and most have not changed.
 */
export abstract class CachedItemNode {
  private item: vscode.TreeItem | undefined;

  treeItem(): vscode.TreeItem {
    this.item ??= this.buildItem();
    return this.item;
  }

  /** Built when hovered, not for every row shown. */
  abstract tooltip(): vscode.MarkdownString;

  /** Its item is built again the next time VS Code asks for it. */
  protected forgetItem(): void {
    this.item = undefined;
  }

  protected abstract buildItem(): vscode.TreeItem;
}
