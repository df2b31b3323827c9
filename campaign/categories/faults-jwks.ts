/**
 * Fault drill: the issuer's JWKS URL down (HTTP 500, connection reset), slow (answers after 3 s)
 * or serving garbage. Oracle: tokens signed with a cached key keep working; a token with an
 * unknown `kid` is denied fast (TOKEN_KID / KEYS_UNAVAILABLE, or the check deadline); the gate
 * fetches the JWKS at a bounded rate however many unknown kids arrive; once the URL is healthy
 * again, a new key is picked up without a restart.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Category, Exchange } from '../category.js';
import { MCP } from '../agents.js';
import { AUDIENCE, ISSUER } from '../../test/helpers/gate-fixture.js';
import { generateSigningKey } from '../../src/identity/generate-keys.js';
import { mintAgentToken } from '../../src/identity/mint-token.js';

const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
type Mode = 'ok' | 'down' | 'reset' | 'slow' | 'garbage';
const COOLDOWN_MS = 1_000;

export const category: Category = {
  name: 'faults-jwks',
  cases: { short: 3, long: 12 },
  sequential: true,
  async start(env) {
    const agents = await generateSigningKey({ kid: 'agents-1' });
    let mode: Mode = 'ok';
    let served: unknown = agents.publicJwks;
    const fetches: number[] = [];
    const answer = (res: ServerResponse) => {
      if (mode === 'down') return void res.writeHead(500).end('down');
      if (mode === 'reset') return void res.destroy();
      if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from([0xff, 0x7b, 0x22, 0x6b]));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
    };
    const server = createServer((_req, res) => {
      fetches.push(Date.now());
      if (mode === 'slow') setTimeout(() => answer(res), 3_000).unref();
      else answer(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const gate = await env.startGate({ agentKeys: agents, jwksUrl: url, issuerExtra: `jwks_cache_ttl: 1s, jwks_cooldown: ${COOLDOWN_MS}ms, jwks_timeout: 300ms` });
    const call = (token: string) => env.check({ ...MCP, body: PING, token }, gate);
    const known = () => gate.mint('reader-1');
    return {
      async runCase(rng, index) {
        // A key the gate has never seen (a rotation the JWKS URL will publish later).
        const rotated = await generateSigningKey({ kid: `agents-rotated-${index}` });
        const unknown = () => mintAgentToken(rotated.privateJwk, { iss: ISSUER, aud: AUDIENCE, agentId: 'reader-2' });
        const exchanges: Exchange[] = [{ expect: { allow: 'must' }, answer: await call(await known()) }];
        mode = rng.pick<Mode>(['down', 'reset', 'slow', 'garbage']);
        const since = Date.now();
        const before = fetches.length;
        // A burst of unknown kids: each denied, the JWKS fetched at most once per cooldown.
        const burst = await Promise.all(Array.from({ length: 20 }, async () => call(await unknown())));
        for (const answer of burst) exchanges.push({ expect: { allow: 'never', codes: ['TOKEN_KID', 'KEYS_UNAVAILABLE', 'INTERNAL'] }, answer });
        // The cache expires during the fault: keys already fetched keep verifying.
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        const cached = await call(await known());
        exchanges.push({ expect: { allow: 'must' }, answer: cached });
        if (cached.summary?.grpcCode !== 0) env.log(`faults-jwks #${index}: a cached key was refused during a ${mode} fault: ${JSON.stringify(cached.summary?.body)}`);
        const seconds = (Date.now() - since) / 1000;
        const allowed = Math.ceil(seconds / (COOLDOWN_MS / 1000)) + 2;
        if (fetches.length - before > allowed) throw new Error(`${fetches.length - before} JWKS fetches in ${seconds.toFixed(1)} s during a ${mode} fault (bound ${allowed})`);
        // Healthy again, with the rotated key published: picked up without a restart.
        mode = 'ok';
        served = { keys: [...agents.publicJwks.keys, ...rotated.publicJwks.keys] };
        await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 100));
        let last = await call(await unknown());
        for (let i = 0; i < 20 && last.summary?.grpcCode !== 0; i++) {
          exchanges.push({ expect: { allow: 'may' }, answer: last });
          await new Promise((resolve) => setTimeout(resolve, 200));
          last = await call(await unknown());
        }
        exchanges.push({ expect: { allow: 'must' }, answer: last });
        served = agents.publicJwks;
        return { label: `JWKS ${mode === 'ok' ? 'fault' : mode}`, exchanges };
      },
      async stop() {
        await gate.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  },
};
