/** The fixed clock of the unit tests: exemption dates in fixtures are relative to it. */
export const TEST_NOW = new Date('2026-11-22T00:00:00Z');
