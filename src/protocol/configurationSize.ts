/**
 * How large one configuration may be, so that whatever can be written can also be read back and
 * exported. A configuration's size is the UTF-8 length of its fields as `config.get` returns
 * them: the JSON object of every field of its application (empty ones as "") to its value,
 * names and values JSON-escaped.
 *
 * Why 1 MiB: a read answers in one frame (MAX_FRAME_BYTES, 4 MiB), and an export of the
 * application holding it is one file of at most MAX_TRANSFER_FILE_BYTES (3,000,000 bytes) whose
 * body is base64 (4/3) of the encrypted JSON, in which each label appears twice more (definition
 * and value entries: at most 256 fields x 256 characters x 3 bytes, 2 x 197 KB) besides the value.
 * 1 MiB + 0.4 MB, times 4/3, is 1.9 MB: the largest configuration fits both, with room for the
 * envelope, and is still thousands of times what a BizTalk configuration holds.
 *
 * No imports: part of the shared contract (src/protocol).
 */

export const MAX_CONFIGURATION_BYTES = 1024 * 1024;

/** The size of a configuration as read: UTF-8 bytes of the JSON object of `fields` (label to value). */
export function configurationBytes(fields: Iterable<readonly [string, string]>): number {
  let bytes = 2; // {}
  let count = 0;
  for (const [label, value] of fields) {
    bytes += utf8Length(JSON.stringify(label)) + 1 + utf8Length(JSON.stringify(value)); // "label":"value"
    count++;
  }
  return count === 0 ? bytes : bytes + count - 1; // commas
}

/** The values of a configuration as read: every field in `labels`, '' where none is stored. */
export function fieldsAsRead(labels: readonly string[], values: ReadonlyMap<string, string>): [string, string][] {
  return labels.map((label) => [label, values.get(label) ?? '']);
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
