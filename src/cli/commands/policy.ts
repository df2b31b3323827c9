import type { Command } from 'commander';
import { registerPolicyAdminCommands } from './policy-admin.js';
import { registerPolicyReplayCommands } from './policy-replay.js';
import { registerPolicyTestCommand } from './policy-test.js';
import { registerPolicyValidateCommand } from './policy-validate.js';

/**
 * `dutygate policy …`: the policy-as-code workflow — validate, test in CI, dry-run a candidate
 * against recorded decisions, report shadow would-blocks, list versions and roll back.
 */
export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('policy-as-code: validate, test, dry-run, shadow-report, versions, rollback');
  registerPolicyValidateCommand(policy);
  registerPolicyTestCommand(policy);
  registerPolicyReplayCommands(policy);
  registerPolicyAdminCommands(policy);
}
