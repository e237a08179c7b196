/**
 * Properties of the one name rule (src/protocol/names.ts) over generated names: what it accepts
 * can be told apart by eye and stored, every way of spelling the same text is one name, ordinary
 * names are never refused, and every name the looser rule of before accepted stays reachable.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { existingNameProblem, NAME_MAX_LENGTH, nameKeyedRecord, newNameProblem, normaliseName } from '../../../src/protocol/names';
import { nameProblem } from '../../../src/model/applicationDraft';

const RUNS = { numRuns: 2000 };

/** Any UTF-16 text, lone surrogates included. */
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
/** Names people give applications: letters, digits and a few separators, in one alphabet. */
const ordinaryName = fc
  .tuple(
    fc.constantFrom('Latin', 'Cyrillic', 'Han'),
    fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }),
  )
  .map(([script, picks]) => {
    const letters = { Latin: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüñ', Cyrillic: 'абвгдежзийклмнопрстуфхцчшщыэюяАБВГДЕЖЗ', Han: '漢字注文設定接続' }[script]!;
    const chars = [...letters, '0', '1', '9', '.', '-', '_', ' ', '$', '\\'];
    return picks.map((i) => chars[i % chars.length]).join('').trim();
  })
  .filter((name) => name !== '' && name !== '.' && name !== '..');

/** Characters that hide or reorder text: zero-width, joiners, bidi marks, embeddings, overrides, isolates, BOM, soft hyphen, odd spaces, fillers, variation selectors. */
const INVISIBLES = [
  '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
  '\u2060', '\ufeff', '\u00ad', '\u00a0', '\u2007', '\u202f', '\u3000', '\u2028', '\u2029', '\u3164', '\u115f', '\u034f', '\ufe0f', '\u180e', '\ue000',
];
const CONTROLS = [...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), '\u007f', ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i))];
/** Latin letters and the Cyrillic or Greek letters that look the same. */
const LOOKALIKES: [string, string][] = [
  ['a', '\u0430'], ['e', '\u0435'], ['o', '\u043e'], ['p', '\u0440'], ['c', '\u0441'], ['x', '\u0445'], ['y', '\u0443'], ['i', '\u0456'],
  ['A', '\u0391'], ['B', '\u0392'], ['E', '\u0395'], ['H', '\u0397'], ['K', '\u039a'], ['O', '\u039f'], ['P', '\u03a1'], ['T', '\u03a4'],
];

/** The rule the service applied to every name before (rpc/validate.ts): what stores may hold. */
function acceptedBefore(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.trim().length > 0 && name.length <= NAME_MAX_LENGTH && !/[\u0000-\u001f\u007f]/.test(name) && name === name.trim();
}

function insertAt(name: string, at: number, char: string): string {
  const i = at % (name.length + 1);
  return name.slice(0, i) + char + name.slice(i);
}

describe('the name rule for new names', () => {
  test('ordinary names in one alphabet are accepted as typed', () => {
    fc.assert(
      fc.property(ordinaryName, (name) => {
        assert.equal(newNameProblem(normaliseName(name)), undefined, JSON.stringify(name));
        assert.equal(nameProblem(name, 'application'), undefined, 'the extension agrees');
      }),
      RUNS,
    );
  });

  test('what is accepted is NFC, well-formed, visible, bounded, and not a path segment or "__proto__"', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const name = normaliseName(raw);
        if (newNameProblem(name) !== undefined) return;
        assert.equal(name, name.normalize('NFC'));
        assert.equal(/\p{Cs}/u.test(name), false, 'no lone surrogate');
        assert.equal(/[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}]/u.test(name), false, 'nothing invisible');
        assert.equal(/[^\S ]/u.test(name), false, 'no space but U+0020');
        assert.ok(name.length >= 1 && name.length <= NAME_MAX_LENGTH);
        assert.equal(name, name.trim());
        assert.ok(name !== '.' && name !== '..' && name !== '__proto__');
        assert.equal(Buffer.from(name, 'utf8').toString('utf8'), name, 'survives a round trip through UTF-8');
      }),
      { numRuns: 20_000 },
    );
  });

  test('NFC and NFD spellings of a name are the same name once normalised; a name not in NFC is refused unnormalised', () => {
    fc.assert(
      fc.property(ordinaryName, fc.constantFrom('é', 'ü', 'ñ', 'Å', 'ç'), fc.nat(), (base, accented, at) => {
        const nfc = insertAt(base, at, accented).normalize('NFC');
        fc.pre(newNameProblem(nfc) === undefined);
        const nfd = nfc.normalize('NFD');
        assert.notEqual(nfd, nfc);
        assert.equal(normaliseName(nfd), normaliseName(nfc));
        assert.equal(newNameProblem(nfd)?.code, 'not-nfc');
      }),
      RUNS,
    );
  });

  test('an invisible, bidirectional or special-space character anywhere inside makes a name refused', () => {
    fc.assert(
      fc.property(ordinaryName, fc.constantFrom(...INVISIBLES), fc.nat(), (name, char, at) => {
        const problem = newNameProblem(normaliseName(insertAt(name, at, char)));
        assert.ok(problem && ['invisible', 'edge-space'].includes(problem.code), `${JSON.stringify(char)}: ${problem?.code}`);
      }),
      RUNS,
    );
  });

  test('a C0 or C1 control character or a lone surrogate anywhere makes a name refused', () => {
    fc.assert(
      fc.property(ordinaryName, fc.constantFrom(...CONTROLS, '\ud800', '\udfff', '\udbff'), fc.nat(), (name, char, at) => {
        const problem = newNameProblem(normaliseName(insertAt(name, at, char)));
        assert.ok(problem && ['control', 'lone-surrogate', 'edge-space'].includes(problem.code), `${JSON.stringify(char)}: ${problem?.code}`);
      }),
      RUNS,
    );
  });

  test('a Latin word with one letter swapped for its Cyrillic or Greek lookalike is refused', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LOOKALIKES), fc.string({ unit: fc.constantFrom(...'bdfghjkmnqrstuvwz'), minLength: 1, maxLength: 20 }), fc.nat(), ([latin, lookalike], rest, at) => {
        const genuine = insertAt(`Q${rest}`, at, latin);
        const forged = insertAt(`Q${rest}`, at, lookalike);
        assert.equal(newNameProblem(genuine), undefined, genuine);
        assert.equal(newNameProblem(forged)?.code, 'mixed-script', forged);
      }),
      RUNS,
    );
  });

  test('words in different alphabets are fine side by side (BizTalk port names in two languages)', () => {
    fc.assert(
      fc.property(fc.constantFrom('SendPort', 'Orders', 'Contoso'), fc.constantFrom('Заказы', 'Παραγγελίες', 'Счёт'), fc.constantFrom('_', '.', '-', ' ', '2'), (latin, other, separator) => {
        assert.equal(newNameProblem(`${latin}${separator}${other}`), undefined);
        assert.equal(newNameProblem(`${other}${separator}${latin}`), undefined);
        assert.equal(newNameProblem(`${latin}${other}`)?.code, 'mixed-script', 'but not in one word');
      }),
    );
  });

  test('".", "..", "__proto__" and names longer than 256 are refused; 256 is fine', () => {
    assert.equal(newNameProblem('.')?.code, 'dot-segment');
    assert.equal(newNameProblem('..')?.code, 'dot-segment');
    assert.equal(newNameProblem('__proto__')?.code, 'reserved');
    assert.equal(newNameProblem('x'.repeat(NAME_MAX_LENGTH)), undefined);
    assert.equal(newNameProblem('x'.repeat(NAME_MAX_LENGTH + 1))?.code, 'too-long');
    assert.equal(newNameProblem('...'), undefined, 'only the two path segments are special');
  });

  test('messages say what is wrong and show a hidden character by its code point', () => {
    assert.match(newNameProblem('Orders\u202egpj.exe')!.text, /U\+202E.*remove it/);
    assert.match(newNameProblem('P\u0430ypal')!.text, /Latin and Cyrillic letters in the word "P\u0430ypal".*U\+0430.*one alphabet/);
  });
});

describe('names that exist already', () => {
  test('every name the looser rule of before accepted can still be referred to, and nothing else', () => {
    fc.assert(
      fc.property(anyText, (name) => {
        assert.equal(existingNameProblem(name) === undefined, acceptedBefore(name), JSON.stringify(name));
      }),
      { numRuns: 20_000 },
    );
  });

  test('every name that can be created can be referred to', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const name = normaliseName(raw);
        if (newNameProblem(name) === undefined) assert.equal(existingNameProblem(name), undefined);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('records keyed by names', () => {
  test('hold every name as an ordinary key, "__proto__" and "constructor" included', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'), anyText), { maxLength: 10 }), (names) => {
        const record = nameKeyedRecord<string>();
        names.forEach((name, i) => (record[name] = `v${i}`));
        assert.deepEqual(Object.keys(record).sort(), [...names].sort());
        names.forEach((name, i) => assert.equal(record[name], `v${i}`));
        assert.deepEqual(JSON.parse(JSON.stringify(record)), Object.fromEntries(names.map((name, i) => [name, `v${i}`])));
      }),
      RUNS,
    );
  });
});
