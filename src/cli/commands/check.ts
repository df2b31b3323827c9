import type { Command } from 'commander';
import { sendCheck } from '../check-client.js';
import { writeLine } from '../output.js';

interface CheckOptions {
  addr: string;
  method: string;
  url: string;
  token?: string;
  chain?: string;
  override?: string;
  header: string[];
  body?: string;
}

/**
 * `dutygate check`: sends one Check to a running gate, shaped like Envoy's, and prints the
 * decision. Exit code 0 when allowed, 2 when denied — handy in scripts and the README.
 */
export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('send one ext_authz Check to a running gate and print the decision (exit 0 allow, 2 deny)')
    .option('-a, --addr <host:port>', 'gate gRPC address', '127.0.0.1:9191')
    .option('-X, --method <method>', 'HTTP method of the checked request', 'GET')
    .requiredOption('-u, --url <url>', 'URL of the checked request, e.g. http://payments.internal/payments')
    .option('-t, --token <jwt>', 'agent token (sent as authorization: Bearer)')
    .option('--chain <jwts>', 'x-agent-chain: ancestor tokens, comma separated, root first')
    .option('--override <jwt>', 'x-dutygate-override token')
    .option('-H, --header <name:value>', 'extra header (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option('-d, --body <json>', 'request body')
    .action(async (options: CheckOptions) => {
      const headers: Record<string, string> = {};
      for (const line of options.header) {
        const at = line.indexOf(':');
        if (at <= 0) throw new Error(`--header must be name:value, got ${JSON.stringify(line)}`);
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.chain) headers['x-agent-chain'] = options.chain;
      if (options.override) headers['x-dutygate-override'] = options.override;
      if (options.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const result = await sendCheck(options.addr, {
        method: options.method,
        url: new URL(options.url),
        headers,
        ...(options.body === undefined ? {} : { body: options.body }),
      });
      writeLine(JSON.stringify(result, null, 2));
      process.exitCode = result.allowed ? 0 : 2;
    });
}
