/**
 * A tree node's id: its kind and the names it stands for, as a JSON array. Names may hold any
 * separator: joined with ":", application "a:b" with configuration "c" and application "a" with
 * "b:c" had the same id, and VS Code refuses a tree with two equal ids.
 */
export function nodeId(kind: string, ...parts: ReadonlyArray<string | number>): string {
  return JSON.stringify([kind, ...parts]);
}
