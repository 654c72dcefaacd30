/**
 * The k8sgpt operator's K8sGPT resource (core.k8sgpt.ai/v1alpha1): the fields platformctl
 * renders, with the types and enums of the operator's api/v1alpha1/k8sgpt_types.go
 * (AISpec.Backend enum, AnalysisConfig.Interval pattern, SecretRef). The project publishes no
 * schema package.
 */
import { type Static, Type } from '@sinclair/typebox';
import { resource, strict } from './common.js';

const Quantities = Type.Record(Type.String(), Type.String());

export const AI_BACKENDS = [
  'ibmwatsonxai',
  'openai',
  'localai',
  'azureopenai',
  'amazonbedrock',
  'cohere',
  'amazonsagemaker',
  'google',
  'googlevertexai',
  'customrest',
] as const;

const K8sGPTSpec = Type.Object(
  {
    ai: Type.Object(
      {
        enabled: Type.Boolean(),
        backend: Type.Union(AI_BACKENDS.map((b) => Type.Literal(b))),
        model: Type.String({ minLength: 1 }),
        secret: Type.Object(
          { name: Type.String({ minLength: 1 }), key: Type.String({ minLength: 1 }) },
          strict,
        ),
        anonymized: Type.Optional(Type.Boolean()),
        language: Type.Optional(Type.String()),
      },
      strict,
    ),
    noCache: Type.Optional(Type.Boolean()),
    repository: Type.Optional(Type.String({ minLength: 1 })),
    version: Type.Optional(Type.String({ minLength: 1 })),
    filters: Type.Optional(Type.Array(Type.String())),
    targetNamespace: Type.Optional(Type.String()),
    analysis: Type.Optional(Type.Object({ interval: Type.String({ pattern: '^[0-9]+[smh]$' }) }, strict)),
    resources: Type.Optional(Type.Object({ requests: Quantities, limits: Quantities }, strict)),
  },
  strict,
);

export const K8sGPT = resource('core.k8sgpt.ai/v1alpha1', 'K8sGPT', K8sGPTSpec);
export interface K8sGPT {
  readonly apiVersion: 'core.k8sgpt.ai/v1alpha1';
  readonly kind: 'K8sGPT';
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: Static<typeof K8sGPTSpec>;
}
