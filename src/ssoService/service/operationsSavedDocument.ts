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
 * value, as every kept document; one at a time, replaced by the next save. A read that comes
 * before the document is built builds it (the same work it would do anyway, done once).
 */
import type { ConfigDocument } from '../../protocol/messages';
import { sameFields } from '../ssodb/schema';
import type { ConfigurationRead, CredentialRow } from '../ssodb/store';

interface Saved {
  read: ConfigurationRead;
  row: CredentialRow;
  /** Dropped once used: it holds the master secret, which lives only in the secret cache. */
  build?: () => ConfigDocument;
  document?: ConfigDocument;
}

/** The read it is for comes within milliseconds; the plain values are not kept longer than that needs. */
const KEEP_MS = 5_000;

export class SavedDocument {
  private saved: Saved | undefined;

  constructor(private readonly keepMs = KEEP_MS) {}

  /**
   * Builds the document in the next turn of the event loop, after the save's reply is written.
   * `build` must give what a read of `read` (whose row is `row`) gives without reveal.
   */
  prepareSoon(read: ConfigurationRead, row: CredentialRow, build: () => ConfigDocument): void {
    const saved: Saved = { read, row, build };
    this.saved = saved;
    setImmediate(() => {
      if (this.saved === saved) saved.document = buildOrNothing(saved);
    });
    setTimeout(() => {
      if (this.saved === saved) this.saved = undefined;
    }, this.keepMs).unref();
  }

  /**
   * The saved row's document when `found` is that row as it was written (built now when the read
   * came first); it is handed out once.
   */
  take(found: ConfigurationRead, row: CredentialRow): ConfigDocument | undefined {
    const saved = this.saved;
    if (!saved || !sameRow(saved.row, row)) return undefined;
    this.saved = undefined;
    if (saved.read.name !== found.name || !sameFields(found.fields, saved.read.fields)) return undefined;
    return saved.document ?? buildOrNothing(saved);
  }
}

/** Nothing when building fails: the read then decrypts the row itself, and reports what fails there. */
function buildOrNothing(saved: Saved): ConfigDocument | undefined {
  const build = saved.build;
  saved.build = undefined;
  try {
    return build?.();
  } catch {
    return undefined;
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
