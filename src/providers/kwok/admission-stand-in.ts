/**
 * SIMULATION, kwok only: the admission stand-in a kwok cluster's webhooks point at (see
 * loopback-admission.ts). An HTTPS server on 127.0.0.1 that answers every AdmissionReview with
 * `allowed: true` and no patch, and logs each call: on kwok no webhook server of a chart runs, so
 * this is what lets the API server admit the charts' objects without dialling a Service address.
 * It validates nothing; the objects are checked against their schemas by the unit tests.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface AdmissionStandInOptions {
  readonly port: number;
  /** PEM certificate, its own CA, serving 127.0.0.1. */
  readonly certificate: string;
  readonly key: string;
  readonly log: (line: string) => void;
}

interface AdmissionReview {
  apiVersion?: string;
  request?: {
    uid?: string;
    operation?: string;
    kind?: { kind?: string };
    namespace?: string;
    name?: string;
  };
}

/** The answer to one AdmissionReview: allowed, nothing changed; undefined when it is not one. */
export function admissionResponse(review: AdmissionReview): object | undefined {
  const uid = review.request?.uid;
  if (typeof uid !== 'string') return undefined;
  return {
    apiVersion: review.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, allowed: true },
  };
}

/** Starts the stand-in; resolves once it listens. */
export function startAdmissionStandIn(options: AdmissionStandInOptions): Promise<Server> {
  const server = createServer({ cert: options.certificate, key: options.key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let review: AdmissionReview;
      try {
        review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
      } catch {
        review = {};
      }
      const answer = admissionResponse(review);
      if (!answer) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('not an AdmissionReview\n');
        return;
      }
      const r = review.request!;
      const object = [r.namespace, r.name].filter(Boolean).join('/') || '(unnamed)';
      options.log(
        `admitted ${r.operation ?? '?'} ${r.kind?.kind ?? '?'} ${object} via ${request.url ?? '/'}`,
      );
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      void (server.address() as AddressInfo);
      resolve(server);
    });
  });
}
