import { afterAll } from 'vitest';
import { createRedisStore } from '../../../src/state/redis/redis-store.js';
import { clusterTestConfig, deleteTestKeys } from '../../helpers/redis-test.js';
import { ledgerShareContract } from './contract-ledger-shares.js';
import { describeStateContract } from './state-contract.js';

// The same contract, on the live 3-master Redis Cluster of the run (cluster-global-setup.ts).
describeStateContract('redis cluster', () => createRedisStore(clusterTestConfig()));
ledgerShareContract('redis cluster', (cap) => createRedisStore(clusterTestConfig(), { maxLedgerEntriesPerActor: cap }));

afterAll(async () => {
  await deleteTestKeys();
});
