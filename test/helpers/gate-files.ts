/**
 * The folder a test gate runs from: fresh keys (or a fleet's shared ones), the policy and a
 * `dutygate.yaml` on loopback ports picked by the system. Both the in-process fixture
 * (gate-fixture.ts) and the built `dutygate serve` child (serve-process.ts) start from it.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, type SigningKey } from '../../src/identity/generate-keys.js';

export const ISSUER = 'https://tokens.test.local';
export const AUDIENCE = 'dutygate';
export const APPROVER_ISSUER = 'https://sso.test.local';
export const APPROVER_AUDIENCE = 'dutygate-approvals';

/** Key pairs of the approvals side: the approver issuer and dutygate's override key. */
export interface ApprovalKeys {
  readonly approvers: SigningKey;
  readonly override: SigningKey;
}

/** What goes into the folder and its config. */
export interface GateFilesOptions {
  /** Extra YAML appended to the generated config (e.g. `limits:`). */
  readonly configExtra?: string;
  /** More keys of the agent issuer's flow mapping (e.g. `delegation: act`). */
  readonly issuerExtra?: string;
  /** One more line under `identity:` (e.g. `max_chain_depth: 2`). */
  readonly identityExtra?: string;
  readonly watch?: boolean;
  /** The config's `audit:` line (default `audit: { decision_log: off }`: tests print no decision lines). */
  readonly audit?: string;
  /** `log.level` (default `silent`). */
  readonly logLevel?: string;
  /** Trust (and mint with) this agent issuer key instead of a fresh one: replicas of one fleet. */
  readonly agentKeys?: SigningKey;
  /** Trust this approver issuer and sign overrides with this key: replicas of one fleet. */
  readonly approvalKeys?: ApprovalKeys;
  /** More keys of the `overrides:` flow mapping (e.g. `deployment: eu-2`). */
  readonly overridesExtra?: string;
  /** Approvals over the API with an override key and an approver issuer (default true). */
  readonly approvals?: boolean;
  /** Trust the agent issuer's keys from this URL instead of the generated JWKS file. */
  readonly jwksUrl?: string;
  /**
   * More agent issuers, each with fresh keys (docs/design.md §2: issuers are namespaces). With
   * any, name the fixture's own issuer too (`issuerExtra: 'name: corp'`).
   */
  readonly moreIssuers?: readonly { readonly name: string; readonly issuer: string }[];
}

/** A written gate folder. */
export interface GateFiles {
  readonly dir: string;
  readonly policyFile: string;
  readonly configFile: string;
  /** The agent issuer's key pair. */
  readonly agents: SigningKey;
  readonly approvalKeys: ApprovalKeys;
  /** Key pairs of `moreIssuers`, by name. */
  readonly issuerKeys: ReadonlyMap<string, SigningKey>;
}

/** Writes keys, `policy` (YAML text) and `dutygate.yaml` into a fresh temp folder. */
export async function writeGateFiles(policy: string, options: GateFilesOptions = {}): Promise<GateFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-e2e-'));
  const agents = options.agentKeys ?? (await generateSigningKey({ kid: 'agents-1' }));
  await writeFile(join(dir, 'agents.jwks.json'), JSON.stringify(agents.publicJwks));
  const approvers = options.approvalKeys?.approvers ?? (await generateSigningKey({ kid: 'approvers-1' }));
  await writeFile(join(dir, 'approvers.jwks.json'), JSON.stringify(approvers.publicJwks));
  const override = options.approvalKeys?.override ?? (await generateSigningKey({ kid: 'override-1' }));
  await writeFile(join(dir, 'override.private.jwk.json'), JSON.stringify(override.privateJwk));
  const approvals = options.approvals ?? true;
  const issuerKeys = new Map<string, SigningKey>();
  for (const { name } of options.moreIssuers ?? []) {
    const key = await generateSigningKey({ kid: `${name}-1` });
    issuerKeys.set(name, key);
    await writeFile(join(dir, `${name}.jwks.json`), JSON.stringify(key.publicJwks));
  }
  const policyFile = join(dir, 'policy.yaml');
  await writeFile(policyFile, policy);
  const config = [
    'grpc: { host: 127.0.0.1, port: 0 }',
    'http: { host: 127.0.0.1, port: 0 }',
    'identity:',
    '  issuers:',
    `    - { issuer: "${ISSUER}", audience: ${AUDIENCE}, ${options.jwksUrl === undefined ? 'jwks_file: ./agents.jwks.json' : `jwks_url: "${options.jwksUrl}"`}${options.issuerExtra === undefined ? '' : `, ${options.issuerExtra}`} }`,
    ...(options.moreIssuers ?? []).map(({ name, issuer }) => `    - { name: ${name}, issuer: "${issuer}", audience: ${AUDIENCE}, jwks_file: ./${name}.jwks.json }`),
    ...(options.identityExtra === undefined ? [] : [`  ${options.identityExtra}`]),
    `policy: { file: ./policy.yaml, watch: ${options.watch ?? false} }`,
    `log: { level: ${options.logLevel ?? 'silent'} }`,
    options.audit ?? 'audit: { decision_log: off }',
    ...(approvals
      ? [
          `approvers: { issuers: [ { issuer: "${APPROVER_ISSUER}", audience: ${APPROVER_AUDIENCE}, jwks_file: ./approvers.jwks.json } ] }`,
          `overrides: { signing_key_file: ./override.private.jwk.json${options.overridesExtra === undefined ? '' : `, ${options.overridesExtra}`} }`,
        ]
      : []),
    options.configExtra ?? '',
  ].join('\n');
  const configFile = join(dir, 'dutygate.yaml');
  await writeFile(configFile, config);
  return { dir, policyFile, configFile, agents, approvalKeys: { approvers, override }, issuerKeys };
}
