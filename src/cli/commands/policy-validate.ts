import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { formatValidation, validatePolicyFiles, type ValidateFormat } from '../../policy-test/validate-files.js';
import { writeError, writeErrorLine, writeLine } from '../output.js';

const FORMATS: readonly ValidateFormat[] = ['text', 'json', 'github'];

/** `dutygate policy validate FILE…`: every problem with file:line:column and a hint; exit 1 on any. */
export function registerPolicyValidateCommand(policy: Command): void {
  policy
    .command('validate')
    .description('validate policy files: file:line:column: key: message (hint) for every problem; exit 1 on any')
    .argument('<files...>', 'policy YAML files')
    .option('--format <format>', 'text | json (one document, for CI tooling) | github (workflow annotations)', 'text')
    .option('--json', 'same as --format json')
    .option('-c, --config <file>', "check rules' issuers: against this gate config's identity.issuers names")
    .action(async (files: string[], options: { format: string; json?: boolean; config?: string }) => {
      const format = (options.json ? 'json' : options.format) as ValidateFormat;
      if (!FORMATS.includes(format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}`);
      const config = options.config === undefined ? undefined : await loadConfig(options.config, process.env);
      const issuers = config?.identity.issuers.flatMap((issuer) => (issuer.name === undefined ? [] : [issuer.name]));
      const results = await validatePolicyFiles(files, issuers === undefined ? {} : { issuers });
      const { stdout, stderr } = formatValidation(results, format);
      for (const line of stdout) writeLine(line);
      // Text issues keep the `file:line:column:` form at the start of the line for editors.
      for (const line of stderr) writeErrorLine(line);
      if (results.some((result) => result.issues.length > 0)) {
        if (format === 'text') writeError(`${results.filter((r) => r.issues.length > 0).length} of ${results.length} file(s) invalid`);
        process.exitCode = 1;
      }
    });
}
