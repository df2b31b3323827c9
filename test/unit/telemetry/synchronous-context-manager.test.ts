import { ROOT_CONTEXT, createContextKey } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { SynchronousContextManager } from '../../../src/telemetry/synchronous-context-manager.js';

const KEY = createContextKey('test');

describe('SynchronousContextManager', () => {
  it('makes a context active for the synchronous call and restores the previous one', () => {
    const manager = new SynchronousContextManager().enable();
    const outer = ROOT_CONTEXT.setValue(KEY, 'outer');
    const inner = ROOT_CONTEXT.setValue(KEY, 'inner');
    expect(manager.active()).toBe(ROOT_CONTEXT);
    const seen = manager.with(outer, () => [manager.active().getValue(KEY), manager.with(inner, () => manager.active().getValue(KEY)), manager.active().getValue(KEY)]);
    expect(seen).toEqual(['outer', 'inner', 'outer']);
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('restores the previous context when the call throws', () => {
    const manager = new SynchronousContextManager();
    expect(() => manager.with(ROOT_CONTEXT.setValue(KEY, 'x'), () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('passes this and arguments through with() and bind()', () => {
    const manager = new SynchronousContextManager();
    const context = ROOT_CONTEXT.setValue(KEY, 'bound');
    const target = { base: 1 };
    expect(manager.with(context, function (this: { base: number }, a: number, b: number) { return this.base + a + b; }, target, 2, 3)).toBe(6);
    const bound = manager.bind(context, function (this: { base: number }, a: number) { return [this.base + a, manager.active().getValue(KEY)]; });
    expect(bound.call(target, 4)).toEqual([5, 'bound']);
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('does not follow async continuations (the gate names every parent explicitly)', async () => {
    const manager = new SynchronousContextManager();
    const later = manager.with(ROOT_CONTEXT.setValue(KEY, 'sync only'), async () => {
      await Promise.resolve();
      return manager.active().getValue(KEY);
    });
    await expect(later).resolves.toBeUndefined();
  });

  it('disable() drops back to the root context', () => {
    const manager = new SynchronousContextManager();
    manager.with(ROOT_CONTEXT.setValue(KEY, 'x'), () => {
      manager.disable();
      expect(manager.active()).toBe(ROOT_CONTEXT);
    });
  });
});
