/**
 * Which kubelet serving-certificate requests to approve (pure).
 *
 * kubeadm's KubeletConfiguration sets `serverTLSBootstrap: true` (render/kubeadm.ts): each
 * kubelet asks the cluster CA for its serving certificate with a CertificateSigningRequest of
 * signer `kubernetes.io/kubelet-serving`, which kube-controller-manager signs once someone
 * approves it and never approves itself (Kubernetes leaves that to the cluster's operator because
 * a node could ask for any name). Until then the kubelet serves no TLS: `kubectl logs/exec` and
 * metrics-server fail. A request is approved only when it is what that node's kubelet would ask
 * for (the rules of the kubelet serving-certificate docs and of the kubelet-csr-approver
 * projects):
 * - asked by `system:node:<name>` in group `system:nodes`, for a Node of the spec that is
 *   registered;
 * - subject `CN=system:node:<name>, O=system:nodes`;
 * - usages `server auth` and `digital signature` (`key encipherment` allowed), nothing else;
 * - every DNS name the node's name or one of its Hostname/DNS addresses, every IP one of its
 *   InternalIP/ExternalIP addresses, and at least one of them.
 * Anything else is left pending with the reason; nothing is ever denied.
 */
import { isIP } from 'node:net';

export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const NODE_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';
const REQUIRED_USAGES = ['digital signature', 'server auth'];
const ALLOWED_USAGES = new Set([...REQUIRED_USAGES, 'key encipherment']);

export interface CertificateSigningRequest {
  readonly metadata: { readonly name: string; readonly creationTimestamp?: string };
  readonly spec: {
    readonly request: string;
    readonly signerName: string;
    readonly username?: string;
    readonly groups?: readonly string[];
    readonly usages?: readonly string[];
  };
  readonly status?: {
    readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status?: string }>;
    readonly certificate?: string;
  };
}

export interface NodeAddresses {
  readonly name: string;
  readonly addresses: ReadonlyArray<{ readonly type: string; readonly address: string }>;
}

export interface RequestedNames {
  readonly commonName?: string;
  readonly organizations: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

const OID_COMMON_NAME = '2.5.4.3';
const OID_ORGANIZATION = '2.5.4.10';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
/** Context-specific primitive tags of GeneralName: [2] dNSName, [7] iPAddress. */
const DNS_NAME = 0x82;
const IP_ADDRESS = 0x87;
const OID = 0x06;

/** One DER element: its tag byte and its content. Constructed elements are read with `elements`. */
interface Der {
  readonly tag: number;
  readonly content: Buffer;
}

/** The elements of DER content, one after another (definite lengths only, as DER requires). */
function elements(content: Buffer): Der[] {
  const out: Der[] = [];
  let at = 0;
  while (at < content.length) {
    const tag = content[at]!;
    let length = content[at + 1];
    if (length === undefined) throw new Error('truncated DER');
    at += 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      if (bytes === 0 || bytes > 4 || at + bytes > content.length) throw new Error('bad DER length');
      length = content.subarray(at, at + bytes).reduce((n, b) => n * 256 + b, 0);
      at += bytes;
    }
    if (at + length > content.length) throw new Error('truncated DER');
    out.push({ tag, content: content.subarray(at, at + length) });
    at += length;
  }
  return out;
}

function oid(element: Der | undefined): string | undefined {
  if (!element || element.tag !== OID || element.content.length === 0) return undefined;
  const bytes = element.content;
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return normalIp(groups.join(':'));
}

/** One spelling per address (IPv6 compressed and lower case), so that both sides compare. */
function normalIp(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

/**
 * The subject and subject alternative names of a PKCS#10 request (`spec.request`: base64 of its
 * PEM), read from its DER: CertificationRequestInfo ::= SEQUENCE { version, subject Name,
 * subjectPKInfo, [0] attributes }, the SANs in the extensionRequest attribute.
 */
export function requestedNames(requestBase64: string): RequestedNames {
  const pem = Buffer.from(requestBase64, 'base64').toString('utf8');
  const body = /-----BEGIN CERTIFICATE REQUEST-----([^-]+)-----END CERTIFICATE REQUEST-----/.exec(pem)?.[1];
  if (!body) throw new Error('not a PEM certificate request');
  const [request] = elements(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
  const [info] = request ? elements(request.content) : [];
  if (!info) throw new Error('a certificate request without its info');
  const [, subject, , attributes] = elements(info.content);
  const organizations: string[] = [];
  let commonName: string | undefined;
  for (const rdn of subject ? elements(subject.content) : [])
    for (const pair of elements(rdn.content)) {
      const [type, value] = elements(pair.content);
      const text = value?.content.toString('utf8') ?? '';
      if (oid(type) === OID_COMMON_NAME) commonName = text;
      if (oid(type) === OID_ORGANIZATION) organizations.push(text);
    }
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const attribute of attributes ? elements(attributes.content) : []) {
    const [type, values] = elements(attribute.content);
    if (oid(type) !== OID_EXTENSION_REQUEST) continue;
    for (const extensions of values ? elements(values.content) : [])
      for (const extension of elements(extensions.content)) {
        const parts = elements(extension.content);
        if (oid(parts[0]) !== OID_SUBJECT_ALT_NAME) continue;
        const octets = parts.at(-1);
        const [names] = octets ? elements(octets.content) : [];
        for (const name of names ? elements(names.content) : []) {
          if (name.tag === DNS_NAME) dnsNames.push(name.content.toString('ascii'));
          else if (name.tag === IP_ADDRESS) ipAddresses.push(formatIp(name.content));
        }
      }
  }
  return { ...(commonName === undefined ? {} : { commonName }), organizations, dnsNames, ipAddresses };
}

const hasCondition = (csr: CertificateSigningRequest, type: string) =>
  csr.status?.conditions?.some((c) => c.type === type && c.status !== 'False') ?? false;

/** Not yet approved, denied or failed. */
export function isPending(csr: CertificateSigningRequest): boolean {
  return !hasCondition(csr, 'Approved') && !hasCondition(csr, 'Denied') && !hasCondition(csr, 'Failed');
}

export type Verdict =
  | { readonly approve: true; readonly node: string }
  | { readonly approve: false; readonly node?: string; readonly why: string };

/** Whether this request is what the kubelet of a node of the spec would ask for. */
export function kubeletServingVerdict(
  csr: CertificateSigningRequest,
  specNodes: ReadonlySet<string>,
  registered: ReadonlyMap<string, NodeAddresses>,
): Verdict {
  const { spec } = csr;
  if (spec.signerName !== KUBELET_SERVING_SIGNER) return { approve: false, why: `signer ${spec.signerName}` };
  const username = spec.username ?? '';
  if (!username.startsWith(NODE_PREFIX))
    return { approve: false, why: `asked by ${username || 'nobody'}, not a node` };
  const node = username.slice(NODE_PREFIX.length);
  const refuse = (why: string): Verdict => ({ approve: false, node, why });
  if (!spec.groups?.includes(NODES_GROUP)) return refuse(`${username} is not in group ${NODES_GROUP}`);
  if (!specNodes.has(node)) return refuse(`${node} is not a node of the spec`);
  const registration = registered.get(node);
  if (!registration) return refuse(`Node ${node} is not registered`);
  const usages = spec.usages ?? [];
  const extra = usages.filter((u) => !ALLOWED_USAGES.has(u));
  const missing = REQUIRED_USAGES.filter((u) => !usages.includes(u));
  if (extra.length > 0 || missing.length > 0)
    return refuse(
      `usages ${usages.join(', ') || 'none'}${missing.length ? ` (missing ${missing.join(', ')})` : ''}`,
    );
  let names: RequestedNames;
  try {
    names = requestedNames(spec.request);
  } catch (error) {
    return refuse(`the request cannot be read: ${(error as Error).message}`);
  }
  if (names.commonName !== username)
    return refuse(`subject CN ${names.commonName ?? '(none)'}, not ${username}`);
  if (names.organizations.length !== 1 || names.organizations[0] !== NODES_GROUP)
    return refuse(`subject O ${names.organizations.join(',') || '(none)'}, not ${NODES_GROUP}`);
  if (names.dnsNames.length + names.ipAddresses.length === 0) return refuse('no subject alternative name');
  const dnsAllowed = new Set([
    node,
    ...registration.addresses
      .filter((a) => a.type === 'Hostname' || a.type === 'InternalDNS' || a.type === 'ExternalDNS')
      .map((a) => a.address),
  ]);
  const ipAllowed = new Set(
    registration.addresses
      .filter((a) => (a.type === 'InternalIP' || a.type === 'ExternalIP') && isIP(a.address))
      .map((a) => normalIp(a.address)),
  );
  const foreignDns = names.dnsNames.filter((n) => !dnsAllowed.has(n));
  if (foreignDns.length > 0) return refuse(`DNS name ${foreignDns.join(', ')} is not Node ${node}'s`);
  const foreignIps = names.ipAddresses.filter((ip) => !ipAllowed.has(ip));
  if (foreignIps.length > 0) return refuse(`IP ${foreignIps.join(', ')} is not an address of Node ${node}`);
  return { approve: true, node };
}
