// Moves the user-facing strings of package.json into package.nls.json, as Marketplace extensions do,
// so that a translator adds package.nls.<locale>.json without touching the manifest.
// `node scripts/packageNls.mjs` is idempotent: a string already written as %key% is left alone.
// The unit test test/unit/extension/packageNls.test.ts walks the same fields (userFacingStrings).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The fields of a configuration property schema that VS Code shows in the Settings editor. */
const SETTING_TEXT_FIELDS = ['description', 'markdownDescription', 'deprecationMessage', 'markdownDeprecationMessage', 'enumDescriptions', 'markdownEnumDescriptions'];

/** A key made from a contribution id: `entsso.connect` -> `connect`. */
function idPart(id) {
  return id.replace(/^entsso\./, '');
}

/**
 * Every user-facing string of the manifest: where it is (holder[field], or holder[field][index]) and
 * the key it gets in package.nls.json. The fields walked are the ones VS Code localises.
 */
export function* userFacingStrings(manifest) {
  yield { holder: manifest, field: 'displayName', key: 'extension.displayName' };
  yield { holder: manifest, field: 'description', key: 'extension.description' };
  const contributes = manifest.contributes ?? {};
  for (const command of contributes.commands ?? []) {
    yield { holder: command, field: 'title', key: `command.${idPart(command.command)}.title` };
    if (command.shortTitle !== undefined) yield { holder: command, field: 'shortTitle', key: `command.${idPart(command.command)}.shortTitle` };
    // One key per category, not per command: "SSO" is translated once.
    if (command.category !== undefined) yield { holder: command, field: 'category', key: `command.category.${categoryKey(command.category)}` };
  }
  for (const [location, containers] of Object.entries(contributes.viewsContainers ?? {})) {
    for (const container of containers) yield { holder: container, field: 'title', key: `viewsContainer.${location}.${idPart(container.id)}.title` };
  }
  for (const views of Object.values(contributes.views ?? {})) {
    for (const view of views) {
      yield { holder: view, field: 'name', key: `view.${idPart(view.id)}.name` };
      if (view.contextualTitle !== undefined) yield { holder: view, field: 'contextualTitle', key: `view.${idPart(view.id)}.contextualTitle` };
    }
  }
  const welcomeCount = new Map();
  for (const welcome of contributes.viewsWelcome ?? []) {
    const n = (welcomeCount.get(welcome.view) ?? 0) + 1;
    welcomeCount.set(welcome.view, n);
    yield { holder: welcome, field: 'contents', key: `viewsWelcome.${idPart(welcome.view)}.${n}.contents` };
  }
  const configurations = Array.isArray(contributes.configuration) ? contributes.configuration : contributes.configuration ? [contributes.configuration] : [];
  for (const [index, configuration] of configurations.entries()) {
    const prefix = configurations.length === 1 ? 'configuration' : `configuration.${index + 1}`;
    if (configuration.title !== undefined) yield { holder: configuration, field: 'title', key: `${prefix}.title` };
    for (const [name, schema] of Object.entries(configuration.properties ?? {})) yield* settingStrings(schema, `${prefix}.${idPart(name)}`);
  }
  for (const walkthrough of contributes.walkthroughs ?? []) {
    const prefix = `walkthrough.${walkthrough.id}`;
    yield { holder: walkthrough, field: 'title', key: `${prefix}.title` };
    yield { holder: walkthrough, field: 'description', key: `${prefix}.description` };
    for (const step of walkthrough.steps ?? []) {
      yield { holder: step, field: 'title', key: `${prefix}.${step.id}.title` };
      yield { holder: step, field: 'description', key: `${prefix}.${step.id}.description` };
    }
  }
}

function categoryKey(category) {
  return category.startsWith('%') ? category.slice(1, -1).replace(/^command\.category\./, '') : category.replace(/[^A-Za-z0-9]+/g, '').toLowerCase();
}

/** The texts of one setting's schema, then those of its nested properties and items. */
function* settingStrings(schema, prefix) {
  for (const field of SETTING_TEXT_FIELDS) {
    if (schema[field] !== undefined) yield { holder: schema, field, key: `${prefix}.${field}` };
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* settingStrings(child, `${prefix}.${name}`);
  if (schema.items && !Array.isArray(schema.items)) yield* settingStrings(schema.items, `${prefix}.items`);
}

/** `%key%`, the manifest's reference to a package.nls.json entry. */
export function nlsReference(key) {
  return `%${key}%`;
}

/** Replaces each literal string by its %key% and returns the new nls entries (arrays become key.1, key.2…). */
function externalize(manifest) {
  const nls = {};
  for (const { holder, field, key } of userFacingStrings(manifest)) {
    const value = holder[field];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      holder[field] = value.map((text, i) => moveToNls(nls, text, `${key}.${i + 1}`));
    } else {
      holder[field] = moveToNls(nls, value, key);
    }
  }
  return nls;
}

function moveToNls(nls, text, key) {
  if (/^%[^%]+%$/.test(text)) return text;
  nls[key] = text;
  return nlsReference(key);
}

function main() {
  const manifestPath = join(repoRoot, 'package.json');
  const nlsPath = join(repoRoot, 'package.nls.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  let existing = {};
  try {
    existing = JSON.parse(readFileSync(nlsPath, 'utf8'));
  } catch {
    // No package.nls.json yet: this run creates it.
  }
  const added = externalize(manifest);
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(nlsPath, JSON.stringify({ ...existing, ...added }, null, 2) + '\n');
  console.log(`${Object.keys(added).length} strings moved to package.nls.json`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
