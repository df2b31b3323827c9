/**
 * Freezes a plain object or array and everything under it, so that no consumer can change the
 * loaded configuration behind the others' backs (the request path shares one instance).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
