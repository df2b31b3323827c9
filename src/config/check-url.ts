// Plain http is for a local JWKS server or Slack fake in tests and development only: keys or
// Slack traffic fetched over cleartext from elsewhere could be swapped on the way.
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Checks a URL that dutygate fetches keys from or posts to: `https://`, or `http://` on a
 * loopback host. Returns the problem as a message, or undefined when the URL is fine.
 */
export function checkFetchUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  const https = url.protocol === 'https:';
  if (!https && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    return 'must be an https:// URL (http:// only for 127.0.0.1 or localhost)';
  }
  // Credentials in a URL end up in logs and error messages.
  if (url.username || url.password) return 'must not contain a user name or password';
  return undefined;
}
