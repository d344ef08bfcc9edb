import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { loadConfig } from '../config.ts';
import { enrichCommand } from '../commands/enrich.ts';
import { intelImportCommand } from '../commands/intel.ts';

const context = useAgentDatabase();
const feodoFile = path.resolve(import.meta.dirname, '../../../shared/corpora/threatintel/abusech/feodotracker_ipblocklist_2024-04-04.csv');

afterEach(() => {
  vi.restoreAllMocks();
});

const config = () => loadConfig({ DATABASE_URL: context.db.urls.owner, SIEM_DATA_DIR: context.db.dataDir, SIEM_DNS_ENABLED: 'false' });

async function output(run: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  await run();
  return lines.join('\n');
}

describe.skipIf(!existsSync(feodoFile))('siem intel import and siem enrich', () => {
  it('imports the Feodo CSV as a feed, then re-enrichment tags an event from one of its addresses', async () => {
    const batch = makeBatch([JSON.stringify({ src_ip: '192.9.135.73' })]);
    await sendBatch(context.agentPool, 'agent', batch);

    const imported = await output(() => intelImportCommand(config(), feodoFile, { feed: 'feodo' }));
    expect(imported).toMatch(/^feed feodo \(csv\): 28 indicators read, 28 new, 0 updated, 0 rejected/);

    const enriched = await output(() => enrichCommand(config(), { since: '-1h' }));
    expect(enriched).toMatch(/^re-enriched 1 events/);
    const { rows } = await context.db.pool.query(`select enrichment from events where batch_id = $1`, [batch.id]); // written into the event by re-enrichment
    expect(rows[0].enrichment).toMatchObject({ geoip: { src_ip: { country: expect.any(String) } }, threat: [{ feed: 'feodo', indicator: '192.9.135.73' }] });
  });
});
