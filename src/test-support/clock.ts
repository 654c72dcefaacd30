/** The fixed clock of the unit tests: exemption dates in fixtures are relative to it. */
export const TEST_NOW = new Date('2026-11-22T00:00:00Z');

/** A clock whose waits return at once and are recorded: backoff tests assert the delays. */
export class FakeSleeper {
  readonly waits: number[] = [];
  readonly sleep = (ms: number): Promise<void> => {
    this.waits.push(ms);
    return Promise.resolve();
  };
}
