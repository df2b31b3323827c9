import type { Command } from 'commander';
import { writeError, writeLine } from '../output.js';

interface Common {
  url: string;
  token?: string;
}

/**
 * `dutygate approvals`: the approvals HTTP API from a terminal. Approvers use an approver token
 * (`dutygate token mint --approver …` locally, an SSO token in production); `status` is the
 * agent side and takes the agent's own token. The token comes from `--token` or
 * `DUTYGATE_TOKEN`. Prints the JSON answer; exit 0 on success, 1 on an error answer.
 */
export function registerApprovalsCommand(program: Command): void {
  const approvals = program.command('approvals').description('list, approve and deny approvals; request break-glass grants (HTTP API)');
  const common = (command: Command): Command =>
    command
      .option('--url <url>', 'gate HTTP base URL', 'http://127.0.0.1:8181')
      .option('-t, --token <jwt>', 'bearer token (default: $DUTYGATE_TOKEN)');

  common(approvals.command('list').description('approvals the calling approver may vote on'))
    .option('-s, --status <status>', 'pending | approved | denied | expired | cancelled', 'pending')
    .action(async (options: Common & { status: string }) => {
      await call(options, 'GET', `/v1/approvals?status=${encodeURIComponent(options.status)}`);
    });

  for (const decision of ['approve', 'deny'] as const) {
    common(approvals.command(`${decision} <id>`).description(`${decision} an approval as the token's principal`))
      .option('-r, --reason <text>', "why (kept with the vote and shown to the requester; required when the rule's require_reason covers this vote — by default a deny)")
      .action(async (id: string, options: Common & { reason?: string }) => {
        await call(options, 'POST', `/v1/approvals/${encodeURIComponent(id)}/decision`, { decision, ...(options.reason ? { reason: options.reason } : {}) });
      });
  }

  common(approvals.command('status <id>').description("an approval's status and, once approved, its override token (agent token)")).action(async (id: string, options: Common) => {
    await call(options, 'GET', `/v1/approvals/${encodeURIComponent(id)}`);
  });

  common(approvals.command('break-glass').description('request a time-boxed break-glass grant for one agent (needs the policy break_glass quorum)'))
    .requiredOption('--agent <agent_id>', 'the agent the grant lets through approval_needed outcomes')
    .requiredOption('-r, --reason <text>', 'why (shown to the approvers)')
    .option('--ttl <duration>', 'grant length, at most the policy max_ttl', '30m')
    .option('--initiator <principal>', 'the human the agent works for: may not approve, and the grant lifts only their calls')
    .action(async (options: Common & { agent: string; reason: string; ttl: string; initiator?: string }) => {
      await call(options, 'POST', '/v1/break-glass', { agent_id: options.agent, reason: options.reason, ttl: options.ttl, ...(options.initiator === undefined ? {} : { initiator: options.initiator }) });
    });
}

async function call(options: Common, method: string, path: string, body?: unknown): Promise<void> {
  const token = options.token ?? process.env.DUTYGATE_TOKEN;
  if (!token) throw new Error('a bearer token is needed: --token or DUTYGATE_TOKEN');
  const response = await fetch(new URL(path, options.url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: print as is
  }
  if (response.ok) {
    writeLine(JSON.stringify(parsed, null, 2));
    return;
  }
  const error = parsed as { code?: string; message?: string };
  writeError(`${response.status} ${error.code ?? ''}: ${error.message ?? text}`);
  process.exitCode = 1;
}
