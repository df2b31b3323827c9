import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { BASE, FILE, issuesOf } from './fixtures.js';

/** The `audit` section (issue 5): decision log sink and the tamper-evident chain. */
describe('config audit section', () => {
  it.each([
    ['defaults', '', { decisionLog: { sink: 'stdout' }, chain: true, spanRecord: false, chainBuffer: 10_000 }],
    ['stdout', 'audit: { decision_log: stdout }', { decisionLog: { sink: 'stdout' }, chain: true, spanRecord: false, chainBuffer: 10_000 }],
    ['off, chain off', 'audit: { decision_log: off, chain: false }', { decisionLog: { sink: 'off' }, chain: false, spanRecord: false, chainBuffer: 10_000 }],
    ['a relative file', 'audit: { decision_log: ./audit/decisions.jsonl }', { decisionLog: { sink: 'file', file: '/etc/dutygate/audit/decisions.jsonl' }, chain: true, spanRecord: false, chainBuffer: 10_000 }],
    ['an absolute file', 'audit: { decision_log: /var/log/dutygate.jsonl }', { decisionLog: { sink: 'file', file: '/var/log/dutygate.jsonl' }, chain: true, spanRecord: false, chainBuffer: 10_000 }],
    ['a file named off', 'audit: { decision_log: ./off }', { decisionLog: { sink: 'file', file: '/etc/dutygate/off' }, chain: true, spanRecord: false, chainBuffer: 10_000 }],
    ['a chain buffer', 'audit: { chain_buffer: 50 }', { decisionLog: { sink: 'stdout' }, chain: true, spanRecord: false, chainBuffer: 50 }],
    ['span record on', 'audit: { span_record: true }', { decisionLog: { sink: 'stdout' }, chain: true, spanRecord: true, chainBuffer: 10_000 }],
    ['from the environment', 'audit: { decision_log: "${AUDIT_LOG}" }', { decisionLog: { sink: 'file', file: '/tmp/d.jsonl' }, chain: true, spanRecord: false, chainBuffer: 10_000 }],
    ['checkpoints, default interval', 'audit: { checkpoints: { signing_key_file: ./keys/audit.private.jwk.json } }', { decisionLog: { sink: 'stdout' }, chain: true, spanRecord: false, chainBuffer: 10_000, checkpoints: { signingKeyFile: '/etc/dutygate/keys/audit.private.jwk.json', intervalMs: 60_000 } }],
    ['checkpoints every 10s', 'audit: { checkpoints: { signing_key_file: /k.json, interval: 10s } }', { decisionLog: { sink: 'stdout' }, chain: true, spanRecord: false, chainBuffer: 10_000, checkpoints: { signingKeyFile: '/k.json', intervalMs: 10_000 } }],
  ])('%s', (_name, section, expected) => {
    expect(parseConfig(BASE + section, FILE, { AUDIT_LOG: '/tmp/d.jsonl' }).audit).toEqual(expected);
  });

  it.each([
    ['an unknown key', 'audit:\n  decisionlog: stdout', ["/etc/dutygate/dutygate.yaml:9:3: audit.decisionlog: unknown key 'decisionlog' (did you mean 'decision_log'?)"]],
    ['an empty sink', 'audit:\n  decision_log: ""', ['/etc/dutygate/dutygate.yaml:9:17: audit.decision_log: must not be empty']],
    ['a non-boolean chain', 'audit:\n  chain: yes please', ['/etc/dutygate/dutygate.yaml:9:10: audit.chain: must be boolean']],
    ['a zero chain buffer', 'audit:\n  chain_buffer: 0', [expect.stringMatching(/audit\.chain_buffer: must be >= 1/)]],
    ['a non-boolean span_record', 'audit:\n  span_record: sometimes', ['/etc/dutygate/dutygate.yaml:9:16: audit.span_record: must be boolean']],
    ['checkpoints without the chain', 'audit:\n  chain: false\n  checkpoints: { signing_key_file: /k.json }', ['/etc/dutygate/dutygate.yaml:10:3: audit.checkpoints: needs audit.chain: true (a checkpoint signs the chain head)']],
    ['checkpoints without a key', 'audit:\n  checkpoints: { interval: 1m }', ["/etc/dutygate/dutygate.yaml:9:3: audit.checkpoints.signing_key_file: is required"]],
    ['a zero checkpoint interval', 'audit:\n  checkpoints: { signing_key_file: /k.json, interval: 0s }', [expect.stringMatching(/audit\.checkpoints\.interval: must be greater than 0/)]],
  ])('refuses %s', (_name, section, expected) => {
    expect(issuesOf(BASE + section)).toEqual(expected);
  });
});
