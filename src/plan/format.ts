/**
 * The plan as a table, Mermaid, Graphviz dot or JSON.
 */
import type { Plan, PlanStep } from './plan.js';

export type StepStatus = 'new' | 'changed' | 'unchanged' | 'drifted' | 'failed';

export interface PlanRow extends PlanStep {
  readonly status: StepStatus;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

export function planTable(rows: readonly PlanRow[], plan: Plan): string {
  const headers = ['STEP', 'CLUSTER', 'PHASE', 'KIND', 'STATUS', 'EXPECTED', 'DEPENDS ON'];
  const body = rows.map((r) => [
    r.id,
    r.cluster,
    r.phase,
    r.kind,
    r.status,
    seconds(r.expectedDurationMs),
    r.dependsOn.join(', ') || '-',
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  const summary = [...counts.entries()].map(([status, n]) => `${n} ${status}`).join(', ');
  return [
    line(headers),
    ...body.map(line),
    '',
    `${rows.length} steps (${summary}); critical path ${seconds(plan.criticalPath.lengthMs)}: ${plan.criticalPath.ids.join(' → ')}`,
  ].join('\n');
}

const nodeId = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');

export function planMermaid(rows: readonly PlanRow[], plan: Plan): string {
  const critical = new Set(plan.criticalPath.ids);
  const lines = ['flowchart LR'];
  for (const cluster of [...new Set(rows.map((r) => r.cluster))]) {
    lines.push(`  subgraph ${nodeId(cluster)}["${cluster}"]`);
    for (const row of rows.filter((r) => r.cluster === cluster))
      lines.push(`    ${nodeId(row.id)}["${row.id.slice(cluster.length + 1)}<br/>${row.status}"]`);
    lines.push('  end');
  }
  for (const row of rows)
    for (const dep of row.dependsOn) lines.push(`  ${nodeId(dep)} --> ${nodeId(row.id)}`);
  lines.push('  classDef critical stroke:#d33,stroke-width:3px');
  if (critical.size > 0) lines.push(`  class ${[...critical].map(nodeId).join(',')} critical`);
  return `${lines.join('\n')}\n`;
}

export function planDot(rows: readonly PlanRow[], plan: Plan): string {
  const critical = new Set(plan.criticalPath.ids);
  const lines = ['digraph plan {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const cluster of [...new Set(rows.map((r) => r.cluster))]) {
    lines.push(`  subgraph "cluster_${cluster}" {`, `    label="${cluster}";`);
    for (const row of rows.filter((r) => r.cluster === cluster)) {
      lines.push(
        `    "${row.id}" [label="${row.id.slice(cluster.length + 1)}\\n${row.status}"${critical.has(row.id) ? ', color=red, penwidth=2' : ''}];`,
      );
    }
    lines.push('  }');
  }
  for (const row of rows) for (const dep of row.dependsOn) lines.push(`  "${dep}" -> "${row.id}";`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
