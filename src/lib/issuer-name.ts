/**
 * Issuers are namespaces (docs/design.md §2): an agent's principal is its `agent_id` in the
 * namespace of the issuer that verified it. Config (issuer names), identity (principals) and
 * policy (the `issuers:` condition) share these, so they live below all three.
 */

/**
 * An issuer name: short, lower-case, and without the separator, so that `<name>|<agent_id>`
 * splits at its first `|` and a name never needs quoting in YAML, logs or Redis keys.
 */
export const ISSUER_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** Joins an issuer name and an `agent_id` into a principal: `partner|finance-a`. */
export const PRINCIPAL_SEPARATOR = '|';

/** The name of a sole agent issuer configured without one. */
export const DEFAULT_ISSUER_NAME = 'default';
