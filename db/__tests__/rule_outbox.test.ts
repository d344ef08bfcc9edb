import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { failedSshLines, ingestLines } from '../../test/rules.ts';

const context = useAgentDatabase();

describe('siem_private.rule_outbox', () => {
  it('holds the keys of every event of a batch, stored out of line without compression', async () => {
    const lines = failedSshLines(5000, new Date('2026-11-24T10:00:00Z'), '198.51.100.7');
    await ingestLines(context.agentPool, lines);
    const { rows } = await context.db.pool.query(
      `select cardinality(o.keys_id) as keys, pg_column_compression(o.keys_id) as ids_compression, pg_column_compression(o.keys_ts) as ts_compression,
              (select count(*)::int from events e where (e.ts, e.id) in (select * from unnest(o.keys_ts, o.keys_id))) as events
       from siem_private.rule_outbox o where o.source = 'public.events'::regclass`,
    );
    // pglz_compress was 2 % of the database's perf samples during a syslog ingest, for rows read once and deleted within seconds
    expect(rows).toEqual([{ keys: 5000, ids_compression: null, ts_compression: null, events: 5000 }]);
  });
});
