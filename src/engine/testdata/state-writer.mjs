// Child process for the crash-safety tests: writes states in a tight loop until it is SIGKILLed.
// Usage: node state-writer.mjs <URL of the built state.js> <project dir>
// Each state carries a counter that continues from the file, and a payload whose size changes
// with it, so a torn write could not parse as a complete state.
const [moduleUrl, projectDir] = process.argv.slice(2);
const { readState, writeState } = await import(moduleUrl);

const previous = await readState(projectDir);
let counter = previous?.steps.counter?.outputs?.counter ?? 0;
for (;;) {
  counter += 1;
  const size = 1_000 + ((counter * 7_919) % 200_000);
  const step = {
    inputsHash: `h${counter}`,
    outcome: 'succeeded',
    runId: `pid-${process.pid}`,
    attempts: 1,
    outputs: { counter, size, payload: 'x'.repeat(size) },
  };
  await writeState(projectDir, {
    version: 1,
    platform: 'crash',
    provider: 'kwok',
    steps: { counter: step },
    runs: [],
  });
  if (counter === (previous?.steps.counter?.outputs?.counter ?? 0) + 1) process.stdout.write('ready\n');
}
