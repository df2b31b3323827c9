import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { loadPolicy } from '../../policy/load-policy.js';
import { createCaseGate, type CaseGateOptions } from '../../policy-test/case-gate.js';
import { formatTestReport } from '../../policy-test/format-report.js';
import { toJunitXml } from '../../policy-test/junit.js';
import { loadCases } from '../../policy-test/load-cases.js';
import { passed, runCaseFile, type SuiteResult } from '../../policy-test/run-cases.js';
import { writeLine } from '../output.js';

interface TestOptions {
  junit?: string;
  config?: string;
  verbose?: boolean;
}

/**
 * `dutygate policy test POLICY [CASES…]`: runs table cases through the gate's own Check
 * pipeline (in process) and reports; exit 1 when any case fails or cannot run. A folder as
 * POLICY means `FOLDER/policy.yaml` with `FOLDER/cases.yaml`.
 */
export function registerPolicyTestCommand(policy: Command): void {
  policy
    .command('test')
    .description('run policy test cases (YAML) through the same Check pipeline as the server; exit 1 on a failure')
    .argument('<policy>', 'policy file, or a folder holding policy.yaml and cases.yaml')
    .argument('[cases...]', 'cases files (default: cases.yaml beside the policy when <policy> is a folder)')
    .option('--junit <file>', 'also write a JUnit XML report to this file')
    .option('-c, --config <file>', 'take principals.aliases, limits, identity.max_chain_depth and the issuer names (identity.issuers, home_issuer) from this gate config')
    .option('-v, --verbose', 'list passing cases too')
    .action(async (policyArg: string, casesArgs: string[], options: TestOptions) => {
      const { policyFile, casesFiles } = await resolveInputs(policyArg, casesArgs);
      const gateConfig = await gateOptions(options.config);
      // With a config, a rule naming an issuer the gate does not have is refused as the gate would.
      const compiled = await loadPolicy(policyFile, gateConfig.issuers === undefined ? {} : { issuers: gateConfig.issuers });
      const gate = await createCaseGate(gateConfig);
      const suites: SuiteResult[] = [];
      for (const file of casesFiles) suites.push(await runCaseFile(gate, compiled, await loadCases(file)));
      for (const line of formatTestReport(suites, options.verbose ?? false)) writeLine(line);
      if (options.junit) {
        await mkdir(dirname(options.junit), { recursive: true });
        await writeFile(options.junit, toJunitXml(suites));
      }
      if (suites.some((suite) => !suite.results.every(passed))) process.exitCode = 1;
    });
}

async function resolveInputs(policyArg: string, casesArgs: string[]): Promise<{ policyFile: string; casesFiles: string[] }> {
  const isFolder = (await stat(policyArg)).isDirectory();
  const policyFile = isFolder ? join(policyArg, 'policy.yaml') : policyArg;
  if (casesArgs.length > 0) return { policyFile, casesFiles: casesArgs };
  if (!isFolder) throw new Error('name at least one cases file, or give a folder holding policy.yaml and cases.yaml');
  return { policyFile, casesFiles: [join(policyArg, 'cases.yaml')] };
}

async function gateOptions(configFile: string | undefined): Promise<CaseGateOptions> {
  if (configFile === undefined) return {};
  const config = await loadConfig(configFile, process.env);
  return {
    aliases: config.principals.aliases,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxJsonDepth: config.limits.maxJsonDepth,
    maxChainDepth: config.identity.maxChainDepth,
    issuers: config.identity.issuers.flatMap((issuer) => (issuer.name === undefined ? [] : [issuer.name])),
    ...(config.identity.homeIssuer === undefined ? {} : { homeIssuer: config.identity.homeIssuer }),
  };
}
