import { afterAll } from 'vitest';
import { createRedisStore } from '../../../src/state/redis/redis-store.js';
import { deleteTestKeys, redisTestConfig } from '../../helpers/redis-test.js';
import { describeStateContract } from './state-contract.js';

describeStateContract('redis', () => createRedisStore(redisTestConfig()));

afterAll(async () => {
  await deleteTestKeys();
});
