import type { Command } from 'commander';
import { loadPolicy } from '../../policy/load-policy.js';
import { SourceError, formatIssue } from '../../yaml/source-issue.js';
import { writeError, writeLine } from '../output.js';

/** `dutygate policy …`: policy-as-code tooling. */
export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('validate policy files');
  policy
    .command('validate')
    .description('validate policy files; prints file:line:column for every error; exit 1 on any')
    .argument('<files...>', 'policy YAML files')
    .action(async (files: string[]) => {
      let failed = false;
      for (const file of files) {
        try {
          const compiled = await loadPolicy(file);
          writeLine(`${file}: ok (policy_version ${compiled.policyVersion})`);
        } catch (error) {
          failed = true;
          if (error instanceof SourceError) for (const issue of error.issues) writeError(formatIssue(issue));
          else writeError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (failed) process.exitCode = 1;
    });
}
