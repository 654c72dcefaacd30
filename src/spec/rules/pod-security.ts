/**
 * Pod Security rules (ADR-003, correction 11): every exemption is recorded with a reason, an
 * approver and an expiry at most six months ahead, and every add-on that needs one has one.
 */
import type { Catalog } from '../../addons/types.js';
import { ADDON_NAMES } from '../../addons/names.js';
import { isoDate } from '../defaults.js';
import { type Finding, finding } from '../diagnostics.js';
import type { PlacementTable } from '../placement.js';
import type { PlatformSpec, PsaLevel } from '../types.js';

export const MAX_EXEMPTION_MONTHS = 6;
const STRENGTH: Record<PsaLevel, number> = { privileged: 0, baseline: 1, restricted: 2 };

/** The calendar date `months` after `date` (UTC), clamped to the month's last day. */
export function addMonths(date: Date, months: number): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(date.getUTCDate(), lastDay)));
}

function parseDate(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || isoDate(date) !== text ? undefined : date;
}

export function checkPodSecurity(
  spec: PlatformSpec,
  placement: PlacementTable,
  now: Date,
  catalog: Catalog,
): Finding[] {
  const out: Finding[] = [];
  const { exemptions, defaults } = spec.podSecurity;
  const today = isoDate(now);
  const latest = isoDate(addMonths(now, MAX_EXEMPTION_MONTHS));
  const seen = new Map<string, number>();

  exemptions.forEach((exemption, i) => {
    const at = (field: string) => ['spec', 'podSecurity', 'exemptions', i, field];
    const first = seen.get(exemption.namespace);
    if (first !== undefined) {
      out.push(
        finding(
          'psa.duplicate-exemption',
          at('namespace'),
          `namespace ${exemption.namespace} already has an exemption (spec.podSecurity.exemptions[${first}])`,
          'keep one exemption per namespace',
        ),
      );
    } else seen.set(exemption.namespace, i);

    const expires = parseDate(exemption.expires);
    if (!expires) {
      out.push(
        finding(
          'psa.invalid-date',
          at('expires'),
          `expires "${exemption.expires}" is not a date`,
          `write YYYY-MM-DD, e.g. ${latest}`,
        ),
      );
    } else if (exemption.expires < today) {
      out.push(
        finding(
          'psa.expired',
          at('expires'),
          `the exemption for namespace ${exemption.namespace} expired on ${exemption.expires}`,
          `review it: renew (at most until ${latest}, with a fresh approval) or remove it`,
        ),
      );
    } else if (exemption.expires > latest) {
      out.push(
        finding(
          'psa.expiry-too-far',
          at('expires'),
          `the exemption for namespace ${exemption.namespace} runs until ${exemption.expires}, more than ${MAX_EXEMPTION_MONTHS} months ahead (ADR-003)`,
          `set expires to ${latest} or earlier`,
        ),
      );
    }
    if (STRENGTH[exemption.level] >= STRENGTH[defaults.enforce]) {
      out.push(
        finding(
          'psa.exemption-not-weaker',
          at('level'),
          `the exemption for ${exemption.namespace} grants ${exemption.level}, which is not weaker than the enforced default ${defaults.enforce}`,
          'remove it, or grant a weaker level',
        ),
      );
    }
  });

  const byNamespace = new Map(exemptions.map((exemption) => [exemption.namespace, exemption]));
  const needed = new Map<string, string[]>();
  const catalogNamespaces = new Set<string>();
  for (const name of ADDON_NAMES) {
    const addon = catalog[name];
    if (!addon.podSecurity) continue;
    catalogNamespaces.add(addon.namespace);
    if ((placement.get(name)?.clusters.length ?? 0) === 0) continue;
    needed.set(addon.namespace, [
      ...(needed.get(addon.namespace) ?? []),
      `${name} (${addon.podSecurity.why})`,
    ]);
  }
  if (STRENGTH[defaults.enforce] > STRENGTH.privileged) {
    for (const [namespace, addons] of needed) {
      const exemption = byNamespace.get(namespace);
      if (exemption?.level === 'privileged') continue;
      out.push(
        finding(
          'psa.missing-exemption',
          ['spec', 'podSecurity', 'exemptions'],
          `namespace ${namespace} needs the privileged level for ${addons.join('; ')}, but has ${exemption ? `only ${exemption.level}` : 'no exemption'}; its pods would be rejected`,
          `add { namespace: ${namespace}, level: privileged, reason: ..., approvedBy: ..., expires: ${latest} } or disable the add-on`,
        ),
      );
    }
  }
  exemptions.forEach((exemption, i) => {
    if (catalogNamespaces.has(exemption.namespace) && !needed.has(exemption.namespace)) {
      out.push(
        finding(
          'psa.unused-exemption',
          ['spec', 'podSecurity', 'exemptions', i],
          `the exemption for namespace ${exemption.namespace} belongs to add-ons that are all disabled`,
          'remove it: an unused exemption still weakens the namespace',
        ),
      );
    }
  });
  return out;
}
