// The list of test files, generated at bundle time by test/extensionHost/build.ts.
declare module 'entsso-extension-host-tests' {
  const modules: Array<{ file: string; load: () => unknown }>;
  export default modules;
}
