/**
 * The text of a VS Code notification, made safe to show. VS Code turns `[label](target)` in a
 * notification's message into a link when the target starts with `command:`, `http(s)://` or
 * `file:`, and runs a command link with every command allowed when it is clicked (1.100,
 * src/vs/base/common/linkedText.ts). Names, service messages and file headers in our messages come
 * from outside, and no message of ours means a link, so no link is left live: a space between "]"
 * and "(" keeps the text readable and ends the link syntax (VS Code, like CommonMark, needs them
 * side by side).
 * No `vscode` import: unit-tested with node:test.
 */
export function notificationText(text: string): string {
  return text.replace(/\]\(/g, '] (');
}
