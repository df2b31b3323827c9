import type { Command } from 'commander';
import { registerPolicyAdminCommands } from './policy-admin.js';
import { registerPolicyTestCommand } from './policy-test.js';
import { registerPolicyValidateCommand } from './policy-validate.js';

/**
 * `dutygate policy …`: the policy-as-code workflow — validate, test in CI, list versions and
 * roll back.
 */
export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('policy-as-code: validate, test, versions, rollback');
  registerPolicyValidateCommand(policy);
  registerPolicyTestCommand(policy);
  registerPolicyAdminCommands(policy);
}
