/**
 * Kubernetes label selectors (metav1.LabelSelector) evaluated the way the API server does: every
 * matchLabels pair and every matchExpressions requirement must hold; an empty selector matches
 * everything. Pure.
 */

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
  }>;
}

export function selectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (have[key] !== value) return false;
  for (const requirement of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!present || !values.includes(have[requirement.key]!)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[requirement.key]!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        // An operator the API server would have refused: it selects nothing.
        return false;
    }
  }
  return true;
}

/** `a=b,c in (d,e)` for evidence. */
export function selectorText(selector: LabelSelector): string {
  const parts = [
    ...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector.matchExpressions ?? []).map((r) =>
      r.operator === 'Exists'
        ? r.key
        : r.operator === 'DoesNotExist'
          ? `!${r.key}`
          : `${r.key} ${r.operator.toLowerCase()} (${(r.values ?? []).join(',')})`,
    ),
  ];
  return parts.length === 0 ? '(everything)' : parts.join(',');
}
