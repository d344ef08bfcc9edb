import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

async function fields(lines: string[]): Promise<unknown[]> {
  const { rows } = await context.db.pool.query(
    `select siem_private.rfc5424_fields(siem_private.parse_rfc5424(l.line)) as f
     from unnest($1::text[]) with ordinality as l(line, n) order by l.n`,
    [lines],
  );
  return rows.map((row) => row.f);
}

describe('siem_private.rfc5424_fields', () => {
  it('gives syslog_pri, msgid and structured_data, leaving out those that are nil', async () => {
    expect(await fields([
      '<165>1 - h a p ID47 [x@1 a="1"][y] m',
      '<165>1 - h a p - [x@1 a="1"] m',
      '<165>1 - h a p ID"\\ - m',
      '<0>1 - - - - - -',
    ])).toEqual([
      { syslog_pri: 165, msgid: 'ID47', structured_data: { 'x@1': { a: '1' }, y: {} } },
      { syslog_pri: 165, structured_data: { 'x@1': { a: '1' } } },
      { syslog_pri: 165, msgid: 'ID"\\' },
      { syslog_pri: 0 },
    ]);
  });

  it('is not callable by API roles', async () => {
    await expect(context.db.asRole('siem_analyst', (c) => c.query(`select siem_private.rfc5424_fields(siem_private.parse_rfc5424('<0>1 - - - - - -'))`))).rejects.toThrow(/permission denied/);
  });
});
