/**
 * A zone as an RFC 1035 master file (pure): what NSD or Knot load to serve the same records
 * (the benchmark compares against them), and a readable dump for debugging.
 */
import { zoneRecords, type RRSet, type Zone } from './zone.js';

function fqdn(name: string): string {
  return `${name}.`;
}

function quote(s: string): string {
  // Inside quotes only `"` and `\` need escaping; non-printable bytes become \DDD.
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `"${out}"`;
}

function rdata(rrset: RRSet): string[] {
  switch (rrset.type) {
    case 'SOA':
      return rrset.data.map(
        (d) =>
          `${fqdn(d.mname)} ${fqdn(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`,
      );
    case 'SRV':
      return rrset.data.map(
        (d) => `${d.priority} ${d.weight} ${d.port} ${d.target === '.' ? '.' : fqdn(d.target)}`,
      );
    case 'MX':
      return rrset.data.map((d) => `${d.preference} ${fqdn(d.exchange)}`);
    case 'TXT':
      return rrset.data.map((d) => d.map(quote).join(' '));
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return rrset.data.map(fqdn);
    default:
      return [...rrset.data];
  }
}

export function toZoneFile(zone: Zone): string {
  const lines = [`$ORIGIN ${fqdn(zone.origin)}`];
  for (const { name, ttl, rrset } of zoneRecords(zone))
    for (const d of rdata(rrset)) lines.push(`${fqdn(name)} ${ttl} IN ${rrset.type} ${d}`);
  return `${lines.join('\n')}\n`;
}
