/**
 * Files ssoctl sends to the service (backups, exports): checked by their size before a byte is
 * read, so a wrong path (a disk image, a 1.5 GB log) is refused at once instead of being read
 * into memory whole.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_TRANSFER_FILE_BYTES } from '../protocol/messages';
import { UsageError } from './args';

/** The file's bytes as base64 (what the protocol carries); refuses anything larger than one request can carry. */
export function readInputFileBase64(path: string, what: string, maxBytes = MAX_TRANSFER_FILE_BYTES): string {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${path} is not a regular file. Give the path of ${what}.`);
    if (stat.size > maxBytes) {
      throw new UsageError(`${path} is ${stat.size} bytes, more than ${what} can be (at most ${maxBytes} bytes). Check the path.`);
    }
    return readAtMost(fd, maxBytes).toString('base64');
  } finally {
    closeSync(fd);
  }
}

/** Reads to the end, but never more than `maxBytes` (the file may grow after the size check). */
function readAtMost(fd: number, maxBytes: number): Buffer {
  const buffer = Buffer.alloc(maxBytes + 1);
  let length = 0;
  for (;;) {
    const n = readSync(fd, buffer, length, buffer.length - length, null);
    if (n === 0) break;
    length += n;
    if (length > maxBytes) throw new UsageError(`The file grew past ${maxBytes} bytes while it was being read. Try again once it is complete.`);
  }
  return buffer.subarray(0, length);
}
