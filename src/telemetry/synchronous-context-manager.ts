import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/**
 * An OpenTelemetry context manager whose active context follows synchronous calls only, like
 * the SDK's browser `StackContextManager`. The NodeSDK's default, `AsyncLocalStorageContextManager`,
 * follows async continuations too, but on Node 20 it does so with async hooks, which run on
 * every promise the process creates — measured at about a fifth of the gate's CPU per Check
 * under load (README "Performance"). The gate never relies on the active context: every span
 * names its parent explicitly (the checked request's `traceparent`, or the check span an
 * approval event links to), and no instrumentation is registered.
 */
export class SynchronousContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;

  /** The context of the innermost `with` call running now; ROOT_CONTEXT outside any. */
  active(): Context {
    return this.current;
  }

  /** Runs `fn` with `context` active, restoring the previous context when it returns or throws. */
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.current;
    this.current = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }

  /** Binds a function to `context` (event emitters are returned unchanged: nothing here tracks them). */
  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = target as unknown as (this: unknown, ...args: unknown[]) => unknown;
    const withContext = <R>(fn: () => R): R => this.with(context, fn);
    return function bound(this: unknown, ...args: unknown[]) {
      return withContext(() => run.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}
