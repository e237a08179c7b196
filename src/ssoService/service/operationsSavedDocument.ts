/**
 * The document (without masked values) of the configuration this service saved last, prepared
 * once the save is answered, for the read an editor makes right after saving. Without it that
 * read is the one that decrypts the row, and it runs cold: measured through the socket, most of
 * its time went to decrypting and building the document (docs/PERFORMANCE.md, "Fourth round").
 *
 * The document is handed out only for a read of exactly the row that was saved: same
 * application and fields, same identifier, master secret, version and ciphertext. The ciphertext
 * is authenticated (AES-GCM), so the same bytes under the same address and secret are the same
 * values: the document is the one that decrypting the read would give. It holds no masked
 * value, as every kept document; one at a time, replaced by the next save.
 */
import type { ConfigDocument } from '../../protocol/messages';
import type { ConfigurationRead, CredentialRow } from '../ssodb/store';

interface Prepared {
  read: ConfigurationRead;
  row: CredentialRow;
  document: ConfigDocument;
}

export class SavedDocument {
  private prepared: Prepared | undefined;

  /** `document` must be what a read of `read` (whose row is `row`) gives without reveal. */
  keep(read: ConfigurationRead, row: CredentialRow, document: ConfigDocument): void {
    this.prepared = { read, row, document };
  }

  /** The prepared document when `found` is the saved row as it was written; it is handed out once. */
  take(found: ConfigurationRead, row: CredentialRow): ConfigDocument | undefined {
    const prepared = this.prepared;
    if (!prepared || !sameRow(prepared.row, row)) return undefined;
    this.prepared = undefined;
    return sameFields(prepared.read, found) ? prepared.document : undefined;
  }
}

function sameRow(a: CredentialRow, b: CredentialRow): boolean {
  return (
    a.application === b.application &&
    a.identifier === b.identifier &&
    a.msid === b.msid &&
    a.timestamp === b.timestamp &&
    a.modifiedAt === b.modifiedAt &&
    a.ciphertext.equals(b.ciphertext)
  );
}

function sameFields(a: ConfigurationRead, b: ConfigurationRead): boolean {
  if (a.name !== b.name || a.fields.length !== b.fields.length) return false;
  return a.fields.every((field, i) => field.label === b.fields[i]?.label && field.masked === b.fields[i]?.masked);
}
