/**
 * Self-signed certificates: an RSA key from Node's crypto, the certificate built by node-forge
 * (Node can parse X.509 but not create it). RSA because forge signs only with RSA.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface SelfSignedOptions {
  readonly commonName: string;
  readonly organization: string;
  readonly years: number;
  /**
   * IP addresses the certificate also serves (subjectAltName, serverAuth): a CA that is its own
   * serving certificate, for a TLS server its clients trust by this one certificate.
   */
  readonly servesIps?: readonly string[];
}

export async function selfSignedCertificate(
  options: SelfSignedOptions,
): Promise<{ certificate: string; key: string }> {
  const module = await import('node-forge');
  // A CommonJS module: under ESM its exports arrive as the default export.
  const forge = (module as unknown as { default?: typeof module }).default ?? module;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(
    publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  // Positive (high bit clear), 16 bytes: unique without a counter.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  certificate.serialNumber = serial.toString('hex');
  const now = Date.now();
  certificate.validity.notBefore = new Date(now - 5 * 60_000);
  certificate.validity.notAfter = new Date(now + options.years * 365 * 24 * 3_600_000);
  const subject = [
    { name: 'commonName', value: options.commonName },
    { name: 'organizationName', value: options.organization },
  ];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  const serves = options.servesIps ?? [];
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    {
      name: 'keyUsage',
      keyCertSign: true,
      cRLSign: true,
      digitalSignature: true,
      ...(serves.length > 0 ? { keyEncipherment: true } : {}),
      critical: true,
    },
    { name: 'subjectKeyIdentifier' },
    ...(serves.length > 0
      ? [
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: serves.map((ip) => ({ type: 7, ip })) },
        ]
      : []),
  ]);
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  certificate.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { certificate: forge.pki.certificateToPem(certificate), key };
}
