import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

describe('threat_matches', () => {
  it('is readable by analysts and admins, written only by the owner, invisible to agents', async () => {
    const { db } = context;
    await db.pool.query(`select * from import_indicators('m', '[{"kind": "ip", "value": "1.2.3.4"}]')`);
    await db.pool.query(
      `insert into threat_matches (event_ts, event_id, indicator_id, feed, field, value) select now(), 1, id, feed, 'src_ip', '1.2.3.4' from threat_indicators`,
    );
    expect((await db.asRole('siem_analyst', (c) => c.query('select feed, retro from threat_matches'))).rows).toEqual([{ feed: 'm', retro: false }]);
    expect((await db.asRole('siem_admin', (c) => c.query('select count(*)::int as n from threat_matches'))).rows[0].n).toBe(1);
    await expect(db.asRole('siem_analyst', (c) => c.query('delete from threat_matches'))).rejects.toThrow(/permission denied/);
    await expect(db.asRole('siem_admin', (c) => c.query(`update threat_matches set retro = true`))).rejects.toThrow(/permission denied/);
    await expect(db.asRole('siem_agent', (c) => c.query('select * from threat_matches'))).rejects.toThrow(/permission denied/);
    // one row per event and indicator
    await expect(
      db.pool.query(`insert into threat_matches (event_ts, event_id, indicator_id, feed, field, value) select event_ts, event_id, indicator_id, feed, field, value from threat_matches`),
    ).rejects.toThrow(/duplicate key/);
  });
});
