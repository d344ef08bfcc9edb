import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRegistry, startMetricsServer, throttled } from '../metrics.ts';

describe('monitoring/metrics.ts', () => {
  it('serves a registry at /metrics on its own port, with the service label and Node metrics', async () => {
    const registry = createRegistry('unit');
    new Counter({ name: 'siem_unit_things_total', help: 'Things.', labelNames: ['kind'], registers: [registry] }).inc({ kind: 'a' }, 3);
    const server = await startMetricsServer(registry, 0);
    try {
      const response = await fetch(server.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(registry.contentType);
      const text = await response.text();
      expect(text).toContain('# TYPE siem_unit_things_total counter');
      expect(text).toMatch(/^siem_unit_things_total\{kind="a",service="unit"\} 3$/m);
      expect(text).toMatch(/^siem_process_resident_memory_bytes\{service="unit"\} \d+/m);
      expect((await fetch(server.url.replace('/metrics', '/healthz'))).status).toBe(200);
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
      await expect(startMetricsServer(registry, Number(new URL(server.url).port))).rejects.toThrow(/is taken: .*SIEM_METRICS_PORT/);
    } finally {
      await server.stop();
    }
  });

  it('refreshes at most once per interval and shares a refresh in flight', async () => {
    let runs = 0;
    const refresh = throttled(async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }, 200);
    await Promise.all([refresh(), refresh(), refresh()]);
    expect(runs).toBe(1);
    await refresh();
    expect(runs).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 220));
    await refresh();
    expect(runs).toBe(2);
  });
});
