import { describe, expect, it } from 'vitest';
import { checkEndpointUrl, isPublicAddress } from './endpoint-url.ts';

const strict = { allowPrivate: false };
const lenient = { allowPrivate: true };

function reason(url: string, opts = strict): string {
  const r = checkEndpointUrl(url, opts);
  if (r.ok) throw new Error(`expected ${url} to be rejected`);
  return r.reason;
}

describe('isPublicAddress: IPv4', () => {
  it('accepts public addresses', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '100.63.255.255', '100.128.0.0']) {
      expect(isPublicAddress(ip), ip).toBe(true);
    }
    // Just outside the private and reserved ranges.
    for (const ip of [
      '9.255.255.255',
      '11.0.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '223.255.255.255',
    ]) {
      expect(isPublicAddress(ip), ip).toBe(true);
    }
  });

  it('rejects private, loopback, link-local, CGNAT, multicast, unspecified and reserved ranges', () => {
    for (const ip of [
      '0.0.0.0',
      '0.1.2.3',
      '10.0.0.1',
      '10.255.255.255',
      '100.64.0.1',
      '100.127.255.255',
      '127.0.0.1',
      '127.255.255.254',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.0.2.1',
      '192.88.99.1',
      '192.168.1.1',
      '198.18.0.1',
      '198.19.255.255',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
  });
});

describe('isPublicAddress: IPv6', () => {
  it('accepts global unicast addresses', () => {
    for (const ip of ['2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:80b::200e']) {
      expect(isPublicAddress(ip), ip).toBe(true);
    }
  });

  it('rejects loopback, unspecified, unique-local, link-local, multicast and special ranges', () => {
    for (const ip of [
      '::',
      '::1',
      '0:0:0:0:0:0:0:1',
      'fc00::1',
      'fd12:3456:789a::1',
      'fe80::1',
      'fe80::1%eth0',
      'ff02::1',
      '100::1',
      '2001::1', // Teredo
      '2001:db8::1',
      '2002:7f00:1::1', // 6to4
      '3fff::1',
      '64:ff9b:1::1', // local-use NAT64
      '::7f00:1', // deprecated IPv4-compatible
    ]) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
  });

  it('judges IPv4-mapped and NAT64 addresses by their embedded IPv4 address', () => {
    expect(isPublicAddress('::ffff:127.0.0.1')).toBe(false);
    expect(isPublicAddress('::ffff:7f00:1')).toBe(false);
    expect(isPublicAddress('0:0:0:0:0:ffff:a9fe:a9fe')).toBe(false); // 169.254.169.254
    expect(isPublicAddress('::ffff:10.1.2.3')).toBe(false);
    expect(isPublicAddress('::FFFF:192.168.0.1')).toBe(false);
    expect(isPublicAddress('::ffff:8.8.8.8')).toBe(true);
    expect(isPublicAddress('64:ff9b::10.0.0.1')).toBe(false);
    expect(isPublicAddress('64:ff9b::808:808')).toBe(true);
  });

  it('rejects things that are not IP addresses', () => {
    for (const s of [
      '',
      'localhost',
      'example.com',
      '127.0.0.1.',
      '127.000.000.001',
      '[::1]',
      '1.2.3',
    ]) {
      expect(isPublicAddress(s), s).toBe(false);
    }
  });
});

describe('checkEndpointUrl', () => {
  it('accepts a public https URL and returns it parsed', () => {
    const r = checkEndpointUrl('https://hooks.example.com:8443/in?x=1', strict);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.url.hostname).toBe('hooks.example.com');
      expect(r.url.port).toBe('8443');
    }
    expect(checkEndpointUrl('https://8.8.8.8/', strict).ok).toBe(true);
    expect(checkEndpointUrl('https://[2606:4700:4700::1111]/', strict).ok).toBe(true);
  });

  it('requires an absolute URL', () => {
    for (const u of ['', 'example.com/hook', '/hooks', 'https://', 'not a url']) {
      expect(reason(u), u).toMatch(/absolute URL/);
    }
  });

  it('requires http or https even with allowPrivate', () => {
    for (const u of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ws://x.com',
    ]) {
      expect(reason(u, lenient), u).toMatch(/must use https \(or http\)/);
    }
  });

  it('requires https unless private endpoints are allowed', () => {
    expect(reason('http://example.com/hook')).toBe(
      'url must use https unless the server runs with --allow-private-endpoints',
    );
    expect(checkEndpointUrl('http://example.com/hook', lenient).ok).toBe(true);
  });

  it('rejects credentials in the URL even with allowPrivate', () => {
    expect(reason('https://user:pw@example.com/')).toMatch(/username or password/);
    expect(reason('https://user@example.com/', lenient)).toMatch(/username or password/);
    expect(reason('https://:pw@example.com/', lenient)).toMatch(/username or password/);
  });

  it('rejects localhost names unless private endpoints are allowed', () => {
    for (const u of [
      'https://localhost/',
      'https://LOCALHOST:3000/',
      'https://localhost./',
      'https://api.localhost/',
    ]) {
      expect(reason(u), u).toMatch(
        /localhost unless the server runs with --allow-private-endpoints/,
      );
      expect(checkEndpointUrl(u, lenient).ok, u).toBe(true);
    }
    expect(checkEndpointUrl('https://localhost.example.com/', strict).ok).toBe(true);
    expect(checkEndpointUrl('https://notlocalhost/', strict).ok).toBe(true);
  });

  it('rejects private IP literals however they are written', () => {
    for (const u of [
      'https://127.0.0.1/',
      'https://127.1/',
      'https://2130706433/',
      'https://0x7f.0.0.1/',
      'https://0177.0.0.1/',
      'https://%31%32%37.0.0.1/',
      'https://127.0.0.1./',
      'https://[64:ff9b::127.0.0.1]/',
      'https://0/',
      'https://10.0.0.5:8080/x',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[fd00::1]/',
      'https://[fe80::1]/',
    ]) {
      expect(reason(u), u).toMatch(/private, loopback, link-local or reserved IP address/);
      expect(checkEndpointUrl(u, lenient).ok, u).toBe(true);
    }
    expect(reason('https://2130706433/')).toContain('(127.0.0.1)');
  });

  it('rejects overly long URLs', () => {
    expect(reason(`https://example.com/${'a'.repeat(2100)}`)).toMatch(/at most 2048 characters/);
  });
});
