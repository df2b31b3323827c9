import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createAfterAnswerQueue } from '../../../src/lib/after-answer-queue.js';

/** The runner the tests queue plain functions with. */
const runIt = (work: () => unknown) => {
  work();
};

const noError = (error: unknown) => {
  throw new Error(`no work here throws, yet: ${String(error)}`);
};

/** Resolves on the next turn's timers phase: a fresh turn to start from. */
const nextTimers = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('the after-answer queue', () => {
  it('runs work on the second turn after it was queued, not the next', async () => {
    await nextTimers();
    const order: string[] = [];
    const queue = createAfterAnswerQueue(runIt, noError);
    queue.add(() => order.push('work'));
    setImmediate(() => order.push('next turn'));
    setImmediate(() => setImmediate(() => order.push('second turn, after')));
    expect(queue.waiting()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['next turn', 'work', 'second turn, after']);
    expect(queue.waiting()).toBe(0);
  });

  it('keeps queue order, and work queued a turn later runs a turn later', async () => {
    await nextTimers();
    const order: string[] = [];
    const queue = createAfterAnswerQueue(runIt, noError);
    queue.add(() => order.push('a1'));
    queue.add(() => order.push('a2'));
    setImmediate(() => {
      // Turn k + 1: a1 and a2 are not run yet; b is queued now and runs a turn after them.
      order.push('turn k+1');
      queue.add(() => order.push('b'));
      setImmediate(() => order.push('turn k+2 marker'));
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['turn k+1', 'a1', 'a2', 'turn k+2 marker', 'b']);
  });

  it('reports a work that throws and still runs the ones after it', async () => {
    const errors: unknown[] = [];
    const queue = createAfterAnswerQueue(runIt, (error) => errors.push(error));
    const ran: string[] = [];
    queue.add(() => ran.push('before'));
    queue.add(() => {
      throw new Error('broken audit');
    });
    queue.add(() => ran.push('after'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual(['before', 'after']);
    expect(errors.map((error) => (error as Error).message)).toEqual(['broken audit']);
    expect(queue.waiting()).toBe(0);
  });

  it('keeps running turns while work keeps coming, and stops when it stops', async () => {
    const queue = createAfterAnswerQueue(runIt, noError);
    let ran = 0;
    for (let i = 0; i < 5; i++) {
      queue.add(() => ran++);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toBe(5);
    expect(queue.waiting()).toBe(0);
  });
});

/**
 * What the client measures, in a worker thread (its own event loop, so the server's busy work
 * does not hold its reads): `count` sequential calls, `gapMs` apart, each call's latency in ms.
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { Client, credentials } = require('@grpc/grpc-js');
const pass = (b) => b;
const client = new Client('127.0.0.1:' + workerData.port, credentials.createInsecure());
(async () => {
  const latencies = [];
  for (let i = 0; i < workerData.count; i++) {
    const started = performance.now();
    await new Promise((resolve, reject) => client.makeUnaryRequest('/test.Echo/Call', pass, pass, Buffer.from('q'), (error) => (error ? reject(error) : resolve())));
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, workerData.gapMs));
  }
  client.close();
  parentPort.postMessage(latencies);
})().catch((error) => parentPort.postMessage(String(error)));
`;

/**
 * The reason for the queue, with the real parts: grpc-js answers a unary call in two writes, and
 * its trailers (grpc-status, without which Envoy has no answer) leave only after the first
 * write's callback, a turn later. Work queued when the handler answers must not hold them.
 */
describe('work queued when a grpc-js unary call is answered', () => {
  it('does not delay the answer: the trailers leave before it runs', async () => {
    const BUSY_MS = 25;
    const queue = createAfterAnswerQueue(runIt, noError);
    const passthrough = (bytes: Buffer) => bytes;
    const server = new Server();
    let ran = 0;
    server.register('/test.Echo/Call', (_call: unknown, callback: (error: null, value: Buffer) => void) => {
      callback(null, Buffer.from('answer'));
      queue.add(() => {
        // Audit-like work that takes the thread: were it run before the trailers, every answer would wait for it.
        const until = performance.now() + BUSY_MS;
        while (performance.now() < until);
        ran++;
      });
    }, passthrough, passthrough, 'unary');
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    try {
      const worker = new Worker(CLIENT, { eval: true, workerData: { port, count: 12, gapMs: BUSY_MS + 15 } });
      const [latencies] = (await once(worker, 'message')) as [number[] | string];
      await worker.terminate();
      if (typeof latencies === 'string') throw new Error(latencies);
      expect(ran).toBe(12);
      const sorted = [...latencies].sort((a, b) => a - b);
      // Answered without the busy work: ~1 ms on loopback; with it, every call takes ≥ 25 ms.
      expect(sorted[6], `median latency of ${sorted.map((ms) => ms.toFixed(1)).join(', ')} ms`).toBeLessThan(BUSY_MS * 0.6);
    } finally {
      server.forceShutdown();
    }
  });
});
