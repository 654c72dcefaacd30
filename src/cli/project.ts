/** The project a command works on: its spec file (-f), the provider flag and the process's surroundings. */
import { openProject, type Project } from '../ops/project.js';
import type { Provider as ProviderName } from '../spec/types.js';
import type { CliIO } from './io.js';

export function projectFor(flags: { file?: string; provider?: ProviderName }, io: CliIO): Promise<Project> {
  return openProject({
    file: flags.file,
    cwd: io.cwd,
    env: io.env,
    now: io.now(),
    readStdin: io.readStdin,
    ...(flags.provider ? { provider: flags.provider } : {}),
  });
}
