/**
 * MetalLB v0.16 custom resources (metallb.io/v1beta1), from the MetalLB API reference.
 */
import { type Static, Type } from '@sinclair/typebox';
import { LabelSelector, resource, strict } from './common.js';

export const IPAddressPool = resource(
  'metallb.io/v1beta1',
  'IPAddressPool',
  Type.Object(
    {
      addresses: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
      autoAssign: Type.Optional(Type.Boolean()),
      avoidBuggyIPs: Type.Optional(Type.Boolean()),
      serviceAllocation: Type.Optional(
        Type.Object(
          {
            priority: Type.Optional(Type.Integer()),
            namespaces: Type.Optional(Type.Array(Type.String())),
            namespaceSelectors: Type.Optional(Type.Array(LabelSelector)),
            serviceSelectors: Type.Optional(Type.Array(LabelSelector)),
          },
          strict,
        ),
      ),
    },
    strict,
  ),
);
export type IPAddressPool = Static<typeof IPAddressPool>;

export const L2Advertisement = resource(
  'metallb.io/v1beta1',
  'L2Advertisement',
  Type.Object(
    {
      ipAddressPools: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
      ipAddressPoolSelectors: Type.Optional(Type.Array(LabelSelector)),
      nodeSelectors: Type.Optional(Type.Array(LabelSelector)),
      interfaces: Type.Optional(Type.Array(Type.String())),
    },
    strict,
  ),
);
export type L2Advertisement = Static<typeof L2Advertisement>;
