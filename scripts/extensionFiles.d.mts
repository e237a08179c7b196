// Types of scripts/extensionFiles.mjs for the TypeScript that imports it (the UI harness, the bench).
export declare const EXTENSION_FILES: readonly string[];
export declare const MANIFEST_TRANSLATION: RegExp;
export declare const RUNTIME_TRANSLATION: RegExp;
export declare function extensionEntries(root: string): string[];
