/**
 * The parts of node-forge this project uses, loaded one by one. `import forge from 'node-forge'`
 * loads all of it (TLS, PKCS#12, SSH, HTTP, …): 291 KiB of the minified ssoctl.js, and the .vsix
 * must stay under 1 MB (test/ui/packaging.test.ts). Each module below registers itself on the one
 * `forge` object, as node-forge's own index.js does.
 * - x509 (with rsa, asn1, pem): the MSS's TLS certificates (pki.ts);
 * - sha256: their signatures;
 * - md5 and des: the key and the cipher of Microsoft's .sso export files (ssoFile.ts).
 */
import type Forge from 'node-forge';

const forge = require('node-forge/lib/forge') as typeof Forge;
require('node-forge/lib/x509');
require('node-forge/lib/sha256');
require('node-forge/lib/md5');
require('node-forge/lib/des');

/**
 * An RSA private key from PEM (PKCS#8 or PKCS#1). node-forge defines pki.privateKeyFromPem in
 * its pki.js, which would also load PKCS#12 and password-based encryption; this is the same steps.
 */
export function privateKeyFromPem(pem: string): Forge.pki.rsa.PrivateKey {
  const message = forge.pem.decode(pem)[0];
  if (!message || (message.type !== 'PRIVATE KEY' && message.type !== 'RSA PRIVATE KEY') || message.procType?.type === 'ENCRYPTED') {
    throw new Error('Not an unencrypted RSA private key in PEM.');
  }
  return forge.pki.privateKeyFromAsn1(forge.asn1.fromDer(message.body)) as Forge.pki.rsa.PrivateKey;
}

export default forge;
