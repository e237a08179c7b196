/**
 * The document (without masked values) of the configuration this service saved last, built from
 * the values the save itself encrypted, before its reply, for the read an editor makes right
 * after saving. Without it that read is the one that decrypts the row, and it runs cold: measured
 * through the socket, most of its time went to decrypting and building the document
 * (docs/PERFORMANCE.md, "Fourth round"); built after the reply, the service was still building it
 * when that read arrived ("Fifth round").
 *
 * The document is handed out only for a read of exactly the row that was saved: same
 * application and fields, same identifier, master secret, version and ciphertext. The ciphertext
 * is authenticated (AES-GCM), so the same bytes under the same address and secret are the same
 * values: the document is the one that decrypting the read would give. It holds no masked
 * value, as every kept document; one at a time, replaced by the next save.
 */
import type { ConfigDocument } from '../../protocol/messages';
import { sameFields } from '../ssodb/schema';
import type { ConfigurationRead, CredentialRow } from '../ssodb/store';

interface Saved {
  read: ConfigurationRead;
  row: CredentialRow;
  document: ConfigDocument;
}

/** The read it is for comes within milliseconds; the plain values are not kept longer than that needs. */
const KEEP_MS = 5_000;

export class SavedDocument {
  private saved: Saved | undefined;
  /**
   * One timer for the one document kept, cleared when it is replaced or taken: a timer per save
   * that held its own document would keep the plain values of every save of the last few seconds.
   */
  private expiry: NodeJS.Timeout | undefined;

  constructor(private readonly keepMs = KEEP_MS) {}

  /** `document` must be what a read of `read` (whose row is `row`) gives without reveal. */
  keep(read: ConfigurationRead, row: CredentialRow, document: ConfigDocument): void {
    this.forget();
    this.saved = { read, row, document };
    this.expiry = setTimeout(() => this.forget(), this.keepMs).unref();
  }

  /** The saved row's document when `found` is that row as it was written; it is handed out once. */
  take(found: ConfigurationRead, row: CredentialRow): ConfigDocument | undefined {
    const saved = this.saved;
    if (!saved || !sameRow(saved.row, row)) return undefined;
    this.forget();
    if (saved.read.name !== found.name || !sameFields(found.fields, saved.read.fields)) return undefined;
    return saved.document;
  }

  private forget(): void {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    this.saved = undefined;
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
