/**
 * Real PKCS#10 certificate requests for tests, as a kubelet asks for its serving certificate
 * (an RSA key here, built by node-forge; the readers under test skip the key).
 */
import { generateKeyPairSync } from 'node:crypto';

export interface CsrSubject {
  readonly commonName: string;
  readonly organization?: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/** `spec.request` of a CertificateSigningRequest: base64 of the PEM. */
export async function certificateRequest(subject: CsrSubject): Promise<string> {
  const module = await import('node-forge');
  const forge = (module as unknown as { default?: typeof module }).default ?? module;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  csr.setSubject([
    { name: 'commonName', value: subject.commonName },
    ...(subject.organization ? [{ name: 'organizationName', value: subject.organization }] : []),
  ]);
  const altNames = [
    ...(subject.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(subject.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length > 0)
    csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  csr.sign(
    forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  return Buffer.from(forge.pki.certificationRequestToPem(csr)).toString('base64');
}
