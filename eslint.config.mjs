// ESLint flat config: typescript-eslint's recommended rules plus the project's layering rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.code-server/**', '.artifacts/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', require: 'readonly', module: 'writable' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The service and the CLI never load VS Code: they also run outside it.
    files: ['src/ssoService/**/*.ts', 'src/ssoClient/**/*.ts', 'src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only the extension (src/extension.ts, src/views, src/commands) may import vscode.' }] }] },
  },
  {
    // The service stands on the shared contract alone: it never reaches into a client, the extension or the CLI.
    files: ['src/ssoService/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/ssoClient/**', '**/model/**', '**/connection/**', '**/views/**', '**/commands/**', '**/cli/**'], message: 'src/ssoService imports only src/protocol, src/platform (and itself).' }], paths: [{ name: 'vscode', message: 'The service runs outside VS Code.' }] }] },
  },
  {
    // The client library and protocol types are shared: they must not reach into the service.
    files: ['src/ssoClient/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/ssoService/**', '**/cli/**', '**/views/**', '**/commands/**'], message: 'ssoClient sits on src/protocol: it imports only the shared contract.' }], paths: [{ name: 'vscode', message: 'ssoClient must run outside VS Code.' }] }] },
  },
  {
    // The shared contract (name rule, size limits) is the bottom layer: it imports nothing of the project.
    files: ['src/protocol/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*'], message: 'src/protocol is the bottom layer: it imports only from src/protocol.' }], paths: [{ name: 'vscode', message: 'src/protocol must run outside VS Code.' }] }] },
  },
  {
    // What the operating system is asked for (private files: permissions, fsync, icacls), shared by the service, ssoctl and the palette: above the contract only.
    files: ['src/platform/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/ssoService/**', '**/ssoClient/**', '**/model/**', '**/connection/**', '**/views/**', '**/commands/**', '**/cli/**'], message: 'src/platform imports only src/protocol (and itself).' }], paths: [{ name: 'vscode', message: 'src/platform runs in the service and ssoctl too, outside VS Code.' }] }] },
  },
  {
    // The model is what the views show, as plain data and rules: testable without VS Code or a service.
    files: ['src/model/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/views/**', '**/commands/**', '**/connection/**', '**/ssoService/**', '**/cli/**'], message: 'src/model sits below the extension: it imports only src/model, src/protocol and src/ssoClient.' }], paths: [{ name: 'vscode', message: 'src/model must run outside VS Code (unit tests): let src/views adapt it.' }] }] },
  },
  {
    // The connection layer reaches the service through the client library and serves views and commands, never the reverse.
    files: ['src/connection/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/views/**', '**/commands/**', '**/ssoService/**', '**/cli/**'], message: 'src/connection sits below views and commands and talks to the service only through src/ssoClient.' }] }] },
  },
  {
    // The extension reaches the service only through the client library.
    files: ['src/extension.ts', 'src/views/**/*.ts', 'src/commands/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/ssoService/**', '**/cli/**'], message: 'The extension talks to the SSO service only through src/ssoClient.' }] }] },
  },
);
