/**
 * The names `analyze --filter` takes, without loading the analyzers (the command line's help
 * lists them at start-up). analyze.test.ts holds it equal to the registry in analyze.ts.
 */
export const ANALYZER_NAMES = [
  'Pod',
  'Workload',
  'CronJob',
  'Service',
  'Ingress',
  'Gateway',
  'PersistentVolumeClaim',
  'Node',
  'Webhook',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'Vault',
  'ExternalSecret',
  'Certificate',
  'Autoscaling',
  'Monitor',
  'Shipping',
  'Drift',
  'PodSecurityExemption',
] as const;

export type AnalyzerName = (typeof ANALYZER_NAMES)[number];
