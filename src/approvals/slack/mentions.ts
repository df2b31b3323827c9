/**
 * Slack mentions of approvers. Records hold resolved principals (`sso:frank`), and a person is
 * reachable in Slack through any `slack:<user id>` principal that is, or is an alias of, that
 * principal (`principals.aliases`). Only well-formed Slack user ids become `<@…>` mentions; any
 * other principal is shown as escaped text, so a principal string can never forge a
 * `<!channel>` or a link.
 */
import { escapeMrkdwn } from './blocks.js';

/** A Slack user (or enterprise user) id, as in `slack:U0FIN1`. */
const SLACK_USER = /^slack:([UW][A-Z0-9]{2,30})$/;

/** `principal` as mrkdwn: a mention of each of its Slack accounts, or its escaped name. */
export function mentionOf(principal: string, aliases: Readonly<Record<string, string>>): string {
  const accounts = [principal, ...Object.keys(aliases).filter((raw) => aliases[raw] === principal)];
  const users = [...new Set(accounts.map((account) => SLACK_USER.exec(account)?.[1]).filter((id): id is string => id !== undefined))];
  return users.length > 0 ? users.map((id) => `<@${id}>`).join(' ') : escapeMrkdwn(principal);
}
