import { describe, expect, it } from 'vitest';
import { parseCases } from '../../../src/policy-test/load-cases.js';
import { formatIssue, SourceError } from '../../../src/yaml/source-issue.js';

function issuesOf(text: string): string[] {
  try {
    parseCases(text, 'c.yaml');
  } catch (error) {
    if (error instanceof SourceError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

describe('parseCases: the policy test case format', () => {
  it('normalises a case: agent chain, JSON body, defaults merged under the case', () => {
    const { cases } = parseCases(
      `defaults:
  agent: { id: finance-a, parent: planner, initiator: sso:carol }
  request: { host: Payments.Internal:8443, headers: { X-Team: a } }
cases:
  - name: draft
    request: { path: /payments, body: { amount: 1 }, headers: { x-debug: "1" } }
    ledger: [{ duty: payment, resource: p1, step: draft, agent: other, initiator: sso:dave }]
    expect: { decision: allow, code: OK, rule: r, clause: null, would_block: false }
`,
      'c.yaml',
    );
    expect(cases).toEqual([
      {
        name: 'draft',
        line: 5,
        agent: { id: 'finance-a', parentId: 'planner', ancestors: ['planner'], initiator: 'sso:carol' },
        request: {
          method: 'POST',
          host: 'payments.internal',
          path: '/payments',
          query: '',
          headers: { 'x-team': 'a', 'x-debug': '1', 'content-type': 'application/json' },
          body: '{"amount":1}',
          bodyTruncated: false,
        },
        ledger: [{ duty: 'payment', resource: 'p1', step: 'draft', agentId: 'other', initiator: 'sso:dave', at: 0 }],
        override: false,
        breakGlass: false,
        expect: { decision: 'allow', code: 'OK', rule: 'r', clause: null, wouldBlock: false },
      },
    ]);
  });

  it.each([
    ['a url', 'request: { url: "http://Pay.internal:80/p/1?x=1&y=2" }', { method: 'GET', host: 'pay.internal', path: '/p/1', query: 'x=1&y=2', headers: {} }],
    ['an MCP tools/call', 'request: { host: mcp.internal, mcp: { tool: read_file, arguments: { path: a } } }', {
      method: 'POST',
      host: 'mcp.internal',
      path: '/mcp',
      query: '',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"a"}}}',
    }],
    ['another MCP method', 'request: { path: /rpc, mcp: { method: tools/list, id: x } }', { method: 'POST', path: '/rpc', body: '{"jsonrpc":"2.0","id":"x","method":"tools/list"}' }],
    ['a raw body, verbatim and without a content type', "request: { path: /p, raw_body: '{\"a\":1,\"a\":2}' }", { method: 'POST', headers: {}, body: '{"a":1,"a":2}' }],
    ['an explicit method', 'request: { method: delete, path: /mcp }', { method: 'DELETE', host: 'localhost' }],
  ])('builds the request from %s', (_name, request, want) => {
    const { cases } = parseCases(`cases:\n  - name: c\n    agent: { id: a }\n    ${request}\n    expect: { decision: deny }\n`, 'c.yaml');
    expect(cases[0]?.request).toMatchObject(want);
  });

  it("replaces the default agent with a case's own (so a case can drop the parent)", () => {
    const { cases } = parseCases('defaults:\n  agent: { id: a, parent: p, initiator: sso:x }\ncases:\n  - name: c\n    agent: { id: b }\n    request: { path: /x }\n    expect: { decision: deny, lifted_by: null }\n', 'c.yaml');
    expect(cases[0]?.agent).toEqual({ id: 'b', ancestors: [] });
    expect(cases[0]?.expect).toEqual({ decision: 'deny', liftedBy: null });
  });

  it('takes an explicit chain, root first, and its last link as the parent', () => {
    const { cases } = parseCases('cases:\n  - name: c\n    agent: { id: a, ancestors: [root, mid] }\n    request: { path: /x }\n    expect: { decision: deny }\n', 'c.yaml');
    expect(cases[0]?.agent).toEqual({ id: 'a', parentId: 'mid', ancestors: ['root', 'mid'] });
  });

  it.each<[string, string, string[]]>([
    ['a misspelt expectation key, with a hint', '    agent: { id: a }\n    request: { path: /x }\n    expect: { decision: deny, rul: r }\n', ["c.yaml:5:31: cases[0].expect.rul: unknown key 'rul' (did you mean 'rule'?)"]],
    ['an unknown decision', '    agent: { id: a }\n    request: { path: /x }\n    expect: { decision: block }\n', ['c.yaml:5:25: cases[0].expect.decision: must be one of "allow", "sanitize", "deny", "approval_needed"']],
    ['an unknown code', '    agent: { id: a }\n    request: { path: /x }\n    expect: { decision: deny, code: NOPE }\n', ['c.yaml:5:35: cases[0].expect.code: must be one of ' + '"OK", '.slice(0, 0)]],
    ['no agent id anywhere', '    request: { path: /x }\n    expect: { decision: deny }\n', ['c.yaml:2:5: cases[0]: agent.id is required (in the case or in defaults.agent)']],
    ['no path', '    agent: { id: a }\n    request: { host: h }\n    expect: { decision: deny }\n', ['c.yaml:4:5: cases[0].request: request needs a path (or url) (e.g. request: { method: POST, host: payments.internal, path: /payments })']],
    ['two bodies', '    agent: { id: a }\n    request: { path: /x, body: {}, raw_body: "{}" }\n    expect: { decision: deny }\n', ['c.yaml:4:5: cases[0].request: set one of body, raw_body or mcp, not body and raw_body']],
    ['url with a path', '    agent: { id: a }\n    request: { url: "http://h/x", path: /x }\n    expect: { decision: deny }\n', ['c.yaml:4:16: cases[0].request.url: set either url or host/path/query, not both']],
    ['an MCP message with neither tool nor method', '    agent: { id: a }\n    request: { mcp: {} }\n    expect: { decision: deny }\n', ['c.yaml:4:16: cases[0].request.mcp: set exactly one of mcp.tool (a tools/call) or mcp.method (any other JSON-RPC method)']],
    ['a chain not ending with the parent', '    agent: { id: a, parent: p, ancestors: [q] }\n    request: { path: /x }\n    expect: { decision: deny }\n', ["c.yaml:3:32: cases[0].agent.ancestors: the chain must end with the parent 'p' (ancestors are root first, direct parent last)"]],
  ])('refuses %s, at its line and column', (_name, body, want) => {
    const issues = issuesOf(`cases:\n  - name: c\n${body}`);
    if (want[0]?.endsWith('must be one of ')) expect(issues[0]).toMatch(/^c\.yaml:5:37: cases\[0\]\.expect\.code: must be one of "OK", "TOKEN_MISSING"/);
    else expect(issues).toEqual(want);
  });

  it('refuses duplicate case names and an empty file', () => {
    const dup = 'cases:\n  - { name: c, agent: { id: a }, request: { path: /x }, expect: { decision: deny } }\n  - { name: c, agent: { id: a }, request: { path: /x }, expect: { decision: deny } }\n';
    expect(issuesOf(dup)).toEqual(["c.yaml:3:7: cases[1].name: duplicate case name 'c' (give every case its own name)"]);
    expect(issuesOf('cases: []\n')).toEqual(['c.yaml:1:8: cases: must NOT have fewer than 1 items']);
  });
});
