#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerAuditCommand } from './commands/audit.js';
import { registerApprovalsCommand } from './commands/approvals.js';
import { registerCheckCommand } from './commands/check.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDevCommand } from './commands/dev.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerPolicyCommand } from './commands/policy.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTokenCommand } from './commands/token.js';
import { writeError } from './output.js';

/**
 * The `dutygate` command. This folder is the only code that reads `process.env`, writes to the
 * terminal or calls `process.exit`; everything below it takes parameters.
 */
const program = new Command()
  .name('dutygate')
  .description('Segregation-of-duties gate for AI-agent tool calls (Envoy ext_authz).')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerServeCommand(program);
registerPolicyCommand(program);
registerKeysCommand(program);
registerTokenCommand(program);
registerCheckCommand(program);
registerApprovalsCommand(program);
registerDemoCommand(program);
registerDevCommand(program);
registerAuditCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    writeError(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
