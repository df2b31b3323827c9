import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.js';

/** `dutygate demo` (`npm run demo`): the approvals loop end to end against an in-process gate. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('walk planner → finance agent → payment over the limit → approval → one retry, against a gate started in-process')
    .action(async () => {
      process.exitCode = (await runDemo()) ? 0 : 1;
    });
}
