/**
 * 7. Library choices: node-forge (pure JavaScript) against Node's built-in crypto (OpenSSL) for
 * the jobs the project gives one or the other, at equal parameters. In each row the value is
 * node-forge and the limit is Node's crypto, so the ratio is "node-forge as a fraction of Node"
 * for rates and "node-forge's time as a multiple of Node's" for times.
 *
 *  - AES-256-GCM of a 20-field property bag (the SSODB data cipher: Node crypto in the product);
 *  - the backup KDF: the product uses scrypt (N=2^17, r=8, p=1), which node-forge does not have;
 *    the closest equal-parameter comparison is PBKDF2-HMAC-SHA256, which both have;
 *  - 3DES-ECB of a .sso export (node-forge in the product, for portability);
 *  - RSA-2048 key generation for the MSS channel's PKI (Node in the product; node-forge builds
 *    and signs the certificates, which Node cannot do).
 * forge.options.usePureJavaScript is set so that forge never silently delegates to Node.
 */
import { createCipheriv, createDecipheriv, createHash, generateKeyPairSync, pbkdf2Sync, randomBytes, scrypt } from 'node:crypto';
import forge from 'node-forge';
import type { BenchContext, Benchmark } from './lib/context';
import { portValues20 } from './lib/ssoEnv';
import { median, now } from './lib/stats';

/** Operations per second of `op`, run for about `ms` (at least 3 times), in `rounds` alternating rounds with `other`. */
function rate(op: () => void, ms: number): number {
  let n = 0;
  const t = now();
  do {
    op();
    n++;
  } while (now() - t < ms || n < 3);
  return (n / (now() - t)) * 1000;
}

function alternate(rounds: number, a: () => number, b: () => number): { a: number; b: number } {
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      as.push(a());
      bs.push(b());
    } else {
      bs.push(b());
      as.push(a());
    }
  }
  return { a: median(as), b: median(bs) };
}

export const librariesBenchmark: Benchmark = {
  id: 'libraries',
  title: '7. Library choices: node-forge vs Node crypto',
  async run(ctx: BenchContext) {
    const forgeOptions = (forge as unknown as { options: { usePureJavaScript: boolean } }).options;
    const previous = forgeOptions.usePureJavaScript;
    forgeOptions.usePureJavaScript = true;
    try {
      const rounds = ctx.quick ? 2 : 6;
      const ms = ctx.quick ? 150 : 600;

      // --- AES-256-GCM of a 20-field bag, encrypt then decrypt (what a save + a read cost).
      const key = randomBytes(32);
      const aad = Buffer.from('entsso-bag|1|{MSID}|application|identifier');
      const bag = Buffer.from(JSON.stringify(portValues20(7)), 'utf8');
      const nodeGcm = () => {
        const iv = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', key, iv);
        c.setAAD(aad);
        const body = Buffer.concat([c.update(bag), c.final()]);
        const d = createDecipheriv('aes-256-gcm', key, iv);
        d.setAAD(aad);
        d.setAuthTag(c.getAuthTag());
        const out = Buffer.concat([d.update(body), d.final()]);
        if (out.length !== bag.length) throw new Error('node AES-GCM round trip failed');
      };
      const forgeKey = forge.util.createBuffer(key.toString('binary'));
      const forgeAad = aad.toString('binary');
      const bagBinary = bag.toString('binary');
      const forgeGcm = () => {
        const iv = randomBytes(12).toString('binary');
        const c = forge.cipher.createCipher('AES-GCM', forgeKey.copy());
        c.start({ iv, additionalData: forgeAad, tagLength: 128 });
        c.update(forge.util.createBuffer(bagBinary));
        c.finish();
        const d = forge.cipher.createDecipher('AES-GCM', forgeKey.copy());
        d.start({ iv, additionalData: forgeAad, tagLength: 128, tag: c.mode.tag });
        d.update(c.output);
        if (!d.finish() || d.output.length() !== bag.length) throw new Error('forge AES-GCM round trip failed');
      };
      const gcm = alternate(rounds, () => rate(forgeGcm, ms), () => rate(nodeGcm, ms));
      ctx.add({
        group: '7-libraries',
        name: `AES-256-GCM encrypt + decrypt of a 20-field bag (${bag.length} B): node-forge`,
        value: gcm.a,
        unit: 'ops/s',
        limit: gcm.b,
        limitDescription: "Node's crypto (used)",
        notes: 'the product encrypts SSODB values with Node crypto',
      });

      // --- KDF at equal parameters: PBKDF2-HMAC-SHA256 (forge has no scrypt).
      const iterations = ctx.quick ? 5_000 : 100_000;
      const salt = randomBytes(16);
      const password = 'correct horse battery staple';
      const nodeKey = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
      const forgePbkdf2 = () => forge.pkcs5.pbkdf2(password, salt.toString('binary'), iterations, 32, forge.md.sha256.create());
      if (Buffer.from(forgePbkdf2(), 'binary').compare(nodeKey) !== 0) throw new Error('forge and Node PBKDF2 disagree');
      const kdfRounds = ctx.quick ? 1 : 3;
      const kdf = alternate(
        kdfRounds,
        () => {
          const t = now();
          forgePbkdf2();
          return now() - t;
        },
        () => {
          const t = now();
          pbkdf2Sync(password, salt, iterations, 32, 'sha256');
          return now() - t;
        },
      );
      const scryptMs: number[] = [];
      for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
        const t = now();
        await new Promise<void>((resolve, reject) =>
          scrypt(password, salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 }, (e) => (e ? reject(e) : resolve())),
        );
        scryptMs.push(now() - t);
      }
      ctx.add({
        group: '7-libraries',
        name: `backup KDF at equal parameters, PBKDF2-HMAC-SHA256 × ${iterations.toLocaleString('en-US')}: node-forge`,
        value: kdf.a,
        unit: 'ms',
        limit: kdf.b,
        limitDescription: "Node's crypto",
        notes: `node-forge has no scrypt; the product's backup KDF is Node's scrypt N=2^17 r=8 p=1: ${median(scryptMs).toFixed(0)} ms per derivation here`,
      });

      // --- 3DES-ECB (two-key, key = MD5(password)) of a .sso export, as ssoFile.ts does.
      const xml = Buffer.from(
        `<?xml version="1.0" encoding="utf-8" ?><SSOApplicationExport><applicationData>${Object.entries(portValues20(3))
          .map(([k, v]) => `<add key="${k}" value="${v.replace(/[<>"&]/g, '_')}" />`)
          .join('')}</applicationData></SSOApplicationExport>`,
        'utf8',
      );
      const md5 = createHash('md5').update('export-password', 'utf8').digest();
      const nodeDes = () => {
        const c = createCipheriv('des-ede-ecb', md5, null);
        return Buffer.concat([c.update(xml), c.final()]);
      };
      const forgeDes = () => {
        const k = Buffer.concat([md5, md5.subarray(0, 8)]).toString('binary');
        const c = forge.cipher.createCipher('3DES-ECB', k);
        c.start();
        c.update(forge.util.createBuffer(xml.toString('binary')));
        c.finish();
        return Buffer.from(c.output.getBytes(), 'binary');
      };
      if (nodeDes().compare(forgeDes()) !== 0) throw new Error("forge's 3DES-ECB and Node's des-ede-ecb disagree");
      const des = alternate(rounds, () => rate(forgeDes, ms), () => rate(nodeDes, ms));
      ctx.add({
        group: '7-libraries',
        name: `3DES-ECB of a .sso export (${xml.length} B): node-forge (used)`,
        value: des.a,
        unit: 'ops/s',
        limit: des.b,
        limitDescription: "Node's crypto (des-ede-ecb)",
        notes: "Node 20's OpenSSL 3 has des-ede-ecb in its default provider (checked here); forge was chosen for portability (Electron's BoringSSL), not speed",
      });

      // --- RSA-2048 key generation (PKI at init).
      const keygens = ctx.quick ? 1 : 3;
      const rsa = alternate(
        keygens,
        () => {
          const t = now();
          forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
          return now() - t;
        },
        () => {
          const t = now();
          generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
          return now() - t;
        },
      );
      ctx.add({
        group: '7-libraries',
        name: 'RSA-2048 key generation (MSS channel PKI): node-forge, pure JavaScript',
        value: rsa.a,
        unit: 'ms',
        limit: rsa.b,
        limitDescription: "Node's crypto (used)",
        notes: `median of ${keygens}; node-forge is used to build and sign the X.509 certificates (Node cannot)`,
      });
    } finally {
      forgeOptions.usePureJavaScript = previous;
    }
  },
};
