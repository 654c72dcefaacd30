import { resolve } from 'node:path';
import { DEFAULT_REVISION, exportGitops, PLACEHOLDER_REPO_URL } from '../../ops/gitops.js';
import { readSpecInput, SpecInvalidError } from '../../ops/spec.js';
import type { ActionContext, OutputFormat } from '../commands.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

interface ExportFlags {
  file?: string;
  out: string;
  repoUrl?: string;
  revision?: string;
  applicationsets?: boolean;
  output: OutputFormat;
}

/** `export gitops`: the tree Argo CD reconciles. */
export default async function exportTree(flags: ExportFlags, { io }: ActionContext): Promise<number> {
  const input = await readSpecInput({
    file: flags.file,
    cwd: io.cwd,
    now: io.now(),
    readStdin: io.readStdin,
  });
  if (!input.result.platform) throw new SpecInvalidError(input);
  const repoURL = flags.repoUrl ?? PLACEHOLDER_REPO_URL;
  const { written, removed, kept, summary } = await exportGitops(
    input.result.platform,
    resolve(io.cwd, flags.out),
    {
      repoURL,
      revision: flags.revision ?? DEFAULT_REVISION,
      applicationSets: flags.applicationsets === true,
    },
  );
  if (flags.output === 'json') {
    io.stdout(json({ out: flags.out, repoURL, written, removed: removed.length, kept, ...summary }));
    return EXIT.ok;
  }
  const what = flags.applicationsets ? 'ApplicationSets' : 'Applications';
  io.stdout(
    `wrote ${written} files to ${flags.out}: ${summary.applications} ${what} in ${summary.waves} sync waves${removed.length > 0 ? `, removed ${removed.length} stale` : ''}\n`,
  );
  io.stdout(
    `${summary.notExported.length} steps of the plan have no GitOps form and stay with \`platformctl up\` (listed in ${flags.out}/README.md)\n`,
  );
  if (!flags.repoUrl)
    io.stderr(
      `no --repo-url: the Applications point at ${repoURL}; export again with the repository Argo CD clones\n`,
    );
  for (const path of kept)
    io.stderr(`kept ${path}: no longer exported, but edited since platformctl wrote it\n`);
  return EXIT.ok;
}
