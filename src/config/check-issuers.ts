import { formatKeyPath } from '../yaml/source-issue.js';
import { DEFAULT_ISSUER_NAME } from '../lib/issuer-name.js';
import { checkFetchUrl } from './check-url.js';
import { asArray, asObject, asString, type KeyPath, type RuleContext } from './rule-context.js';

interface Located {
  readonly path: KeyPath;
  readonly issuer: string | undefined;
  readonly audiences: readonly string[];
}

/**
 * Cross-field rules of `identity.issuers` and `approvers.issuers`: exactly one key source per
 * issuer, a fetchable `jwks_url`, no issuer twice in one list, named agent issuers (names
 * unique, `home_issuer` one of them), and no approver issuer that would accept an agent's own token.
 */
export function checkIssuers(context: RuleContext, document: Readonly<Record<string, unknown>>): void {
  const agents = checkList(context, ['identity', 'issuers'], asObject(document.identity)?.issuers);
  const approvers = checkList(context, ['approvers', 'issuers'], asObject(document.approvers)?.issuers);
  checkDelegation(context, asArray(asObject(document.identity)?.issuers), asArray(asObject(document.approvers)?.issuers));
  checkNames(context, asObject(document.identity), asArray(asObject(document.approvers)?.issuers));
  // An agent token and an approver token must never be interchangeable: were they, an agent
  // could approve its own request with the token it already holds (docs/design.md §6).
  for (const approver of approvers) {
    for (const agent of agents) {
      if (approver.issuer === undefined || approver.issuer !== agent.issuer) continue;
      const shared = approver.audiences.find((audience) => agent.audiences.includes(audience));
      if (shared === undefined) continue;
      context.report([...approver.path, 'audience'], `issuer and audience '${shared}' are also those of agent tokens (${formatKeyPath(agent.path)}), so an agent token would pass as an approval`, {
        hint: 'give approver tokens their own audience',
      });
    }
  }
}

/**
 * `name` and `home_issuer` (docs/design.md §2: issuers are namespaces). With several agent
 * issuers each needs a distinct name: a principal is `<name>|<agent_id>`, so two issuers sharing
 * a name would share their agents. `home_issuer` must name one of them.
 */
function checkNames(context: RuleContext, identity: Readonly<Record<string, unknown>> | undefined, approvers: readonly unknown[]): void {
  const agents = asArray(identity?.issuers);
  const seen = new Map<string, number>();
  for (const [index, item] of agents.entries()) {
    const entry = asObject(item);
    if (!entry) continue;
    const name = asString(entry.name);
    if (name === undefined) {
      if (entry.name === undefined && agents.length > 1) {
        context.report(['identity', 'issuers', index], 'needs a name: with several agent issuers each is a namespace of agent ids', {
          hint: "e.g. name: corp; a partner issuer's agents are then spelled partner|finance-a",
        });
      }
      continue;
    }
    const first = seen.get(name);
    if (first !== undefined) context.report(['identity', 'issuers', index, 'name'], `'${name}' is already the name of identity.issuers[${first}]`);
    else seen.set(name, index);
  }
  const home = asString(identity?.home_issuer);
  if (home !== undefined && !seen.has(home) && !(agents.length === 1 && asObject(agents[0])?.name === undefined && home === DEFAULT_ISSUER_NAME)) {
    context.report(['identity', 'home_issuer'], `'${home}' names no agent issuer`, { hint: seen.size > 0 ? `one of: ${[...seen.keys()].join(', ')}` : 'give the issuer a name' });
  }
  for (const [index, item] of approvers.entries()) {
    if (asObject(item)?.name !== undefined) {
      context.report(['approvers', 'issuers', index, 'name'], 'applies to agent issuers only: approver tokens name a person, not an agent', { at: 'key' });
    }
  }
}

/**
 * `delegation` (agent issuers only): one gate states lineage one way. Were `chain` and `act`
 * issuers mixed, an agent of one could name ancestors the other form attests — two sources of
 * truth for the same rules (parent required, lineage duties, depth, no agent twice).
 */
function checkDelegation(context: RuleContext, agents: readonly unknown[], approvers: readonly unknown[]): void {
  const modes = agents.map((item) => asString(asObject(item)?.delegation) ?? 'chain');
  const act = modes.indexOf('act');
  const chain = modes.indexOf('chain');
  if (act !== -1 && chain !== -1) {
    const [later, earlier] = act > chain ? [act, chain] : [chain, act];
    context.report(['identity', 'issuers', later, ...(asObject(agents[later])?.delegation === undefined ? [] : ['delegation'])], `mixes delegation forms: identity.issuers[${earlier}] uses '${modes[earlier] ?? ''}' and this issuer '${modes[later] ?? ''}'`, {
      hint: "set delegation: act on every agent issuer (RFC 8693 act claims) or on none (x-agent-chain); an issuer without the key uses 'chain'",
    });
  }
  for (const [index, item] of approvers.entries()) {
    if (asObject(item)?.delegation !== undefined) {
      context.report(['approvers', 'issuers', index, 'delegation'], 'applies to agent issuers only: approver tokens name a person, not a delegation chain', { at: 'key' });
    }
  }
}

function checkList(context: RuleContext, listPath: KeyPath, list: unknown): Located[] {
  const located: Located[] = [];
  const seen = new Map<string, KeyPath>();
  for (const [index, item] of asArray(list).entries()) {
    const entry = asObject(item);
    if (!entry) continue;
    const path = [...listPath, index];
    const file = asString(entry.jwks_file);
    const url = asString(entry.jwks_url);
    if (file !== undefined && url !== undefined) {
      context.report([...path, 'jwks_url'], 'set either jwks_file or jwks_url, not both', { at: 'key' });
    } else if (entry.jwks_file === undefined && entry.jwks_url === undefined) {
      context.report(path, 'needs its keys: set jwks_file or jwks_url');
    }
    if (url !== undefined) {
      const problem = checkFetchUrl(url);
      if (problem) context.report([...path, 'jwks_url'], problem);
    }
    const issuer = asString(entry.issuer);
    if (issuer !== undefined) {
      const first = seen.get(issuer);
      if (first) context.report([...path, 'issuer'], `'${issuer}' is already configured at ${formatKeyPath(first)}`);
      else seen.set(issuer, path);
    }
    const audience = entry.audience;
    const audiences = typeof audience === 'string' ? [audience] : asArray(audience).filter((a): a is string => typeof a === 'string');
    located.push({ path, issuer, audiences });
  }
  return located;
}
