/**
 * A step's status against what the last runs recorded: new, changed (its rendered inputs
 * differ), unchanged, or failed. Drift is found by live checks during `up` and `status`.
 */
import type { StepStatus } from './format.js';
import type { PlanStep } from './plan.js';

export interface RecordedStep {
  readonly inputsHash?: string;
  readonly outcome?: string;
}

export function stepStatus(step: PlanStep, recorded: RecordedStep | undefined): StepStatus {
  if (!recorded) return 'new';
  if (recorded.outcome === 'failed') return 'failed';
  if (recorded.inputsHash !== step.inputsHash) return 'changed';
  return recorded.outcome === 'succeeded' || recorded.outcome === 'unchanged' ? 'unchanged' : 'new';
}
