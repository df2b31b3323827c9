import { afterAll } from 'vitest';
import { createRedisStore } from '../../../src/state/redis/redis-store.js';
import { deleteTestKeys, redisTestConfig } from '../../helpers/redis-test.js';
import { ledgerShareContract } from './contract-ledger-shares.js';
import { describeStateContract } from './state-contract.js';

describeStateContract('redis', () => createRedisStore(redisTestConfig()));
ledgerShareContract('redis', (cap) => createRedisStore(redisTestConfig(), { maxLedgerEntriesPerActor: cap }));

afterAll(async () => {
  await deleteTestKeys();
});
