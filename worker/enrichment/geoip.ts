import maxmind, { type Reader, type Response } from 'maxmind';
import { createRequire } from 'node:module';
import { reservedRange } from './reserved.ts';

/** The CC0 country database shipped as an npm dependency, used when no City database is configured. */
export const shippedDatabase = createRequire(import.meta.url).resolve(
  '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb',
);

export interface GeoIpOptions {
  /** A City or Country database (GeoLite2, DB-IP, the shipped country one); default the shipped one. */
  cityPath?: string;
  /** An ASN database (GeoLite2-ASN, DB-IP ASN); none by default. */
  asnPath?: string;
}

export interface GeoIpResult {
  country?: string;
  country_name?: string;
  city?: string;
  lat?: number;
  lon?: number;
  asn?: number;
  as_org?: string;
  /** Special-purpose range: not looked up. */
  reserved?: string;
}

interface LocationRecord {
  country_code?: string;
  country?: { iso_code?: string; names?: { en?: string } };
  registered_country?: { iso_code?: string };
  city?: { names?: { en?: string } } | string;
  location?: { latitude?: number; longitude?: number };
  latitude?: number;
  longitude?: number;
}

interface AsnRecord {
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

/**
 * GeoIP and ASN lookups with the `maxmind` reader. The files are watched: replacing a database file
 * swaps it in without a restart.
 */
export class GeoIp {
  private readonly location: Reader<Response>;
  private readonly asn: Reader<Response> | undefined;
  readonly sources: { city: string; asn: string | undefined };

  private constructor(location: Reader<Response>, asn: Reader<Response> | undefined, sources: { city: string; asn: string | undefined }) {
    this.location = location;
    this.asn = asn;
    this.sources = sources;
  }

  static async open(options: GeoIpOptions = {}): Promise<GeoIp> {
    const watch = { watchForUpdates: true, watchForUpdatesNonPersistent: true, cache: { max: 10_000 } };
    const cityPath = options.cityPath ?? shippedDatabase;
    const location = await maxmind.open<Response>(cityPath, watch);
    const asn = options.asnPath ? await maxmind.open<Response>(options.asnPath, watch) : undefined;
    return new GeoIp(location, asn, { city: cityPath, asn: options.asnPath });
  }

  lookup(ip: string): GeoIpResult | undefined {
    const reserved = reservedRange(ip);
    if (reserved) return { reserved };
    const result: GeoIpResult = {};
    const place = this.location.get(ip) as LocationRecord | null | undefined;
    if (place) {
      const country = place.country_code ?? place.country?.iso_code ?? place.registered_country?.iso_code;
      if (country) result.country = country;
      if (place.country?.names?.en) result.country_name = place.country.names.en;
      const city = typeof place.city === 'string' ? place.city : place.city?.names?.en;
      if (city) result.city = city;
      const lat = place.location?.latitude ?? place.latitude;
      const lon = place.location?.longitude ?? place.longitude;
      if (typeof lat === 'number' && typeof lon === 'number') Object.assign(result, { lat, lon });
    }
    const as = this.asn?.get(ip) as AsnRecord | null | undefined;
    if (as?.autonomous_system_number !== undefined) result.asn = as.autonomous_system_number;
    if (as?.autonomous_system_organization) result.as_org = as.autonomous_system_organization;
    return Object.keys(result).length > 0 ? result : undefined;
  }
}
