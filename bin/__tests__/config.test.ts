import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', databaseUrl: undefined, embeddedPgPort: 54320, batchLines: 20000 });
    expect(config.dataDir.endsWith('.siem')).toBe(true);
  });

  it('says what to fix in a bad setting', () => {
    expect(() => loadConfig({ SIEM_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ SIEM_PORT: '70000' })).toThrow(/SIEM_PORT="70000" is not valid: set it to a whole number from 1 to 65535/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x@y/z' })).toThrow(/must start with postgres:\/\//);
    expect(() => loadConfig({ SIEM_GRAPHIQL: 'maybe' })).toThrow(/SIEM_GRAPHIQL="maybe" is not valid: set it to true or false/);
  });

  it('serves GraphiQL except in production, unless told otherwise', () => {
    expect(loadConfig({}).graphiql).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).graphiql).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SIEM_GRAPHIQL: 'on' }).graphiql).toBe(true);
  });

  it('reads the enrichment settings', () => {
    expect(loadConfig({}).enrichment).toEqual({
      geoipCityPath: undefined,
      geoipAsnPath: undefined,
      dns: { enabled: true, servers: [], timeoutMs: 1000, concurrency: 16, inlineMs: 200 },
      dnsCacheSeconds: 300,
      retroHuntDays: 30,
    });
    const custom = loadConfig({
      SIEM_GEOIP_DATABASE: '/data/GeoLite2-City.mmdb',
      SIEM_DNS_ENABLED: 'off',
      SIEM_DNS_SERVERS: '10.0.0.2, 10.0.0.3:5353',
      SIEM_RETRO_HUNT_DAYS: '90',
    }).enrichment;
    expect(custom).toMatchObject({ geoipCityPath: '/data/GeoLite2-City.mmdb', dns: { enabled: false, servers: ['10.0.0.2', '10.0.0.3:5353'] }, retroHuntDays: 90 });
    expect(() => loadConfig({ SIEM_DNS_TIMEOUT_MS: '0' })).toThrow(/SIEM_DNS_TIMEOUT_MS="0" is not valid/);
  });

  it('reads the alert mail settings, with a local sink when no SMTP server is set', () => {
    expect(loadConfig({})).toMatchObject({ smtpUrl: undefined, alertEmailTo: ['soc@localhost'], publicUrl: undefined });
    expect(loadConfig({ SIEM_SMTP_URL: 'smtp://u:p@mail.example.com:587', SIEM_ALERT_EMAIL_TO: 'a@x.org, b@x.org', SIEM_PUBLIC_URL: 'https://siem.example.com' })).toMatchObject({
      smtpUrl: 'smtp://u:p@mail.example.com:587',
      alertEmailTo: ['a@x.org', 'b@x.org'],
      publicUrl: 'https://siem.example.com',
    });
    expect(() => loadConfig({ SIEM_SMTP_URL: 'mail.example.com' })).toThrow(/SIEM_SMTP_URL must look like smtp:\/\//);
  });
});
