import { type TSchema, Type } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

export const ObjectMeta = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' }),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  strict,
);

export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(Type.Record(Type.String(), Type.String())),
    matchExpressions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Type.String(),
            operator: Type.Union([
              Type.Literal('In'),
              Type.Literal('NotIn'),
              Type.Literal('Exists'),
              Type.Literal('DoesNotExist'),
            ]),
            values: Type.Optional(Type.Array(Type.String())),
          },
          strict,
        ),
      ),
    ),
  },
  strict,
);

/** A namespaced custom resource with a strict spec. */
export function resource(apiVersion: string, kind: string, spec: TSchema) {
  return Type.Object(
    { apiVersion: Type.Literal(apiVersion), kind: Type.Literal(kind), metadata: ObjectMeta, spec },
    strict,
  );
}

export { strict };
