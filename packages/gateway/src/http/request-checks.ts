import { networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

function isLoopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}

function stripBrackets(name: string): string {
  return name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
}

/** The host name (lower case, no port, no IPv6 brackets) of a `Host` header, or undefined when malformed. */
export function hostNameOf(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    const rest = value.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return value.slice(1, end);
  }
  const colon = value.indexOf(':');
  if (colon < 0) return value;
  if (!/^\d{1,5}$/.test(value.slice(colon + 1))) return undefined;
  return value.slice(0, colon);
}

/**
 * The host names a server bound to `bindHost` answers by default: the bound name itself, the loopback names
 * when it is bound to loopback, and every local interface address plus `localhost` when it is bound to all
 * interfaces (`0.0.0.0`, `::`). Other names (a DNS-rebinding attacker's) are refused.
 */
export function defaultAllowedHosts(bindHost: string): string[] {
  const bound = stripBrackets(bindHost.toLowerCase());
  const names = new Set<string>([bound]);
  if (isLoopbackAddress(bound)) for (const name of LOOPBACK_NAMES) names.add(name);
  if (bound === '0.0.0.0' || bound === '::' || bound === '') {
    for (const name of LOOPBACK_NAMES) names.add(name);
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) names.add(address.address.toLowerCase());
    }
  }
  return [...names];
}

/**
 * A check of the `Host` header against an allow-list of names (any port); `'*'` allows every name.
 * A name starting with a dot (`.example.com`) allows that domain and its subdomains.
 */
export function createHostCheck(
  allowedHosts: readonly string[] | '*',
): (header: string | undefined) => boolean {
  if (allowedHosts === '*') return () => true;
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const name of allowedHosts) {
    const normalized = stripBrackets(name.trim().toLowerCase());
    if (normalized.startsWith('.')) suffixes.push(normalized);
    else exact.add(normalized);
  }
  return (header) => {
    const name = hostNameOf(header);
    if (name === undefined) return false;
    if (exact.has(name)) return true;
    return suffixes.some((suffix) => name.endsWith(suffix) || name === suffix.slice(1));
  };
}

/** True when a `Content-Type` header is `application/json` (parameters such as `charset` allowed). */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const semicolon = header.indexOf(';');
  const type = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  return type === 'application/json';
}
