import { describe, expect, it } from 'vitest';

import { CommandError, run } from './exec.js';

describe('run', () => {
  it('a command that exits without reading its input fails with its exit code, not a broken pipe that ends this process', async () => {
    // The child closes its standard input at once; megabytes of input cannot all fit the pipe.
    for (let i = 0; i < 5; i++) {
      const failed = await run('sh', ['-c', 'exec 0<&-; echo gone >&2; exit 3'], {
        input: 'x'.repeat(4_000_000),
      }).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(CommandError);
      expect((failed as CommandError).exitCode).toBe(3);
      expect((failed as CommandError).outputTail).toContain('gone');
    }
  });

  it('passes its input to a command that reads it', async () => {
    expect((await run('cat', [], { input: 'hello' })).stdout).toBe('hello');
  });
});
