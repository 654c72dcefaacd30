import { projectFor } from '../project.js';
import { planDot, planMermaid, planTable } from '../../plan/format.js';
import type { Provider as ProviderName } from '../../spec/types.js';
import type { ActionContext } from '../commands.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

interface PlanFlags {
  file?: string;
  provider?: ProviderName;
  format: 'table' | 'mermaid' | 'dot' | 'json';
  output?: 'text' | 'json';
  check?: boolean;
}

export default async function plan(flags: PlanFlags, { io }: ActionContext): Promise<number> {
  const project = await projectFor(flags, io);
  const { plan, rows } = await project.plan();
  if (flags.check) {
    // Live checks of the steps that would otherwise be `unchanged`: what `up` would redo.
    const drifted = new Set((await project.check()).filter((r) => r.state === 'drifted').map((r) => r.id));
    for (const [index, row] of rows.entries())
      if (row.status === 'unchanged' && drifted.has(row.id)) rows[index] = { ...row, status: 'drifted' };
  }
  const format = flags.output === 'json' ? 'json' : flags.format;
  if (format === 'json')
    io.stdout(
      json({
        platform: plan.platform,
        provider: plan.provider,
        criticalPath: plan.criticalPath,
        steps: rows,
      }),
    );
  else if (format === 'mermaid') io.stdout(planMermaid(rows, plan));
  else if (format === 'dot') io.stdout(planDot(rows, plan));
  else io.stdout(`${planTable(rows, plan)}\n`);
  return EXIT.ok;
}
