import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { JWK } from 'jose';
import { mintAgentToken, mintApproverToken, mintChildToken, mintDelegation } from '../../identity/mint-token.js';
import { writeLine } from '../output.js';

interface MintOptions {
  key: string;
  iss: string;
  aud?: string;
  agentId?: string;
  parentLink?: string;
  delegateTo?: string;
  delegateIss?: string;
  initiator?: string;
  jti?: string;
  ttl: string;
  approver?: boolean;
  sub?: string;
}

/**
 * `dutygate token mint`: agent tokens, delegation attestations (`--delegate-to`), child tokens
 * naming their parent's attestation (`--parent-link`), and approver tokens.
 */
export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('tokens for local use and tests')
    .command('mint')
    .description('mint a signed agent token (or, with --approver, an approver token) and print it')
    .requiredOption('-k, --key <file>', 'private JWK file (from `dutygate keys generate`)')
    .requiredOption('--iss <issuer>', 'issuer (must match a configured issuer)')
    .option('--aud <audience>', 'audience (must match the issuer config; not used with --delegate-to)')
    .option('--agent-id <id>', 'agent_id claim (agent tokens)')
    .option('--delegate-to <agent-id>', "mint the delegation attestation (x-agent-chain link) by which --agent-id delegates to this agent, not a credential")
    .option('--delegate-iss <issuer>', "with --delegate-to: the delegatee's issuer (delegatee_iss), when another issuer than --iss mints its token")
    .option('--parent-link <token>', "the parent's delegation attestation to --agent-id: sets parent_agent_id and parent_jti")
    .option('--initiator <principal>', 'the human on whose behalf the workflow runs, e.g. sso:alice')
    .option('--jti <id>', 'token id (default: random UUID)')
    .option('--ttl <seconds>', 'lifetime in seconds', '60')
    .option('--approver', 'mint an approver token instead (needs --sub)')
    .option('--sub <principal>', 'approver principal, e.g. sso:bob')
    .action(async (options: MintOptions) => {
      const jwk = JSON.parse(await readFile(options.key, 'utf8')) as JWK;
      const ttlSeconds = Number(options.ttl);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error('--ttl must be a positive whole number of seconds');
      if (options.approver) {
        if (!options.sub) throw new Error('--approver needs --sub');
        if (!options.aud) throw new Error('--aud is required for agent and approver tokens');
        writeLine(await mintApproverToken(jwk, { iss: options.iss, aud: options.aud, sub: options.sub, ttlSeconds }));
        return;
      }
      if (!options.agentId) throw new Error('--agent-id is required for agent tokens');
      if (options.delegateIss && !options.delegateTo) throw new Error('--delegate-iss needs --delegate-to');
      if (options.delegateTo) {
        const link = {
          iss: options.iss,
          agentId: options.agentId,
          delegateeAgentId: options.delegateTo,
          ...(options.delegateIss ? { delegateeIss: options.delegateIss } : {}),
          ttlSeconds,
          ...(options.parentLink ? { parent: options.parentLink } : {}),
          ...(options.initiator ? { initiator: options.initiator } : {}),
          ...(options.jti ? { jti: options.jti } : {}),
        };
        writeLine(await mintDelegation(jwk, link));
        return;
      }
      if (!options.aud) throw new Error('--aud is required for agent and approver tokens');
      const common = {
        iss: options.iss,
        aud: options.aud,
        agentId: options.agentId,
        ttlSeconds,
        ...(options.initiator ? { initiator: options.initiator } : {}),
        ...(options.jti ? { jti: options.jti } : {}),
      };
      writeLine(options.parentLink ? await mintChildToken(jwk, options.parentLink, common) : await mintAgentToken(jwk, common));
    });
}
