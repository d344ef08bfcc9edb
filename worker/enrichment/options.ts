import { GeoIp } from './geoip.ts';
import { ReverseDns, type ReverseDnsOptions } from './rdns.ts';
import type { Enrichers } from './enrich.ts';

/** Enrichment settings (README: SIEM_GEOIP_*, SIEM_DNS_*, SIEM_RETRO_HUNT_DAYS). */
export interface EnrichmentOptions {
  geoipCityPath: string | undefined;
  geoipAsnPath: string | undefined;
  dns: ReverseDnsOptions;
  dnsCacheSeconds: number;
  retroHuntDays: number;
}

export async function openEnrichers(options: EnrichmentOptions): Promise<Enrichers> {
  const geoip = await GeoIp.open({ cityPath: options.geoipCityPath, asnPath: options.geoipAsnPath });
  return { geoip, dns: options.dns.enabled ? new ReverseDns(options.dns) : undefined, dnsCacheSeconds: options.dnsCacheSeconds };
}
