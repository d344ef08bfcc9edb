/** Columns the picker offers: envelope columns, canonical fields and common enrichment paths. */
export const knownColumns: { key: string; label: string }[] = [
  { key: 'ts', label: 'Time (UTC)' },
  { key: 'host', label: 'Host' },
  { key: 'source', label: 'Source' },
  { key: 'event_type', label: 'Type' },
  { key: 'message', label: 'Message' },
  { key: 'flags', label: 'Flags' },
  ...['username', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'process', 'pid', 'http_method', 'url_path', 'http_status', 'bytes', 'user_agent', 'action', 'outcome', 'domain', 'file_hash', 'event_code', 'severity'].map((key) => ({ key, label: key })),
  { key: 'enrichment.geoip.country', label: 'Country' },
  { key: 'enrichment.geoip.city', label: 'City' },
  { key: 'enrichment.asn.org', label: 'ASN org' },
  { key: 'enrichment.dns.ptr', label: 'rDNS' },
  { key: 'enrichment.tags', label: 'Tags' },
];

export function columnLabel(key: string): string {
  return knownColumns.find((c) => c.key === key)?.label ?? key;
}
