import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { startWorker, type Worker } from '../run.ts';

const context = useAgentDatabase();
let worker: Worker;

beforeAll(async () => {
  worker = await startWorker({ connectionString: context.db.urls.owner, concurrency: 1, partitionDaysAhead: 1, log: () => {} });
});
afterAll(() => worker?.stop());

/** import_rules as an admin of the API would call it (committed), then waits for the worker. */
async function importAsAdmin(text: string, fileName: string | null = null, enabled = true) {
  const client = await context.db.pool.connect();
  let id: string;
  try {
    await client.query('begin');
    await client.query('set local role siem_admin');
    id = (await client.query('select (public.import_rules($1, $2, $3)).id', [text, fileName, enabled])).rows[0].id;
    await client.query('commit');
  } finally {
    client.release();
  }
  for (let i = 0; i < 200; i++) {
    const { rows } = await context.db.pool.query(`select status, compiled, failures, finished_at is not null as finished from public.rule_imports where id = $1`, [id]);
    if (rows[0].status !== 'pending') return rows[0];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the import stayed pending');
}

const yamlRules = `rules:
  - name: ui_root_failures
    title: Root login failures
    type: threshold
    severity: high
    filter: { event_type: ssh_failed, username: root }
    group_by: src_ip
    window: 10m
    count: 5
  - name: ui_broken
    type: threshold
    filter: { event_type: ssh_failed }
    count: 3
`;

const sigmaRule = `title: Failed Windows logon
id: 7a3b2c1d-0000-4000-8000-000000000001
status: test
logsource: { product: windows, service: security }
detection:
  selection:
    EventID: 4625
  condition: selection
level: medium
`;

describe('rule_imports__compile', () => {
  it('compiles and installs the YAML rules of an import, reporting the one that failed with its message', async () => {
    const result = await importAsAdmin(yamlRules, 'team.yaml', false);
    expect(result).toMatchObject({ status: 'done', compiled: ['ui_root_failures'], finished: true });
    expect(result.failures).toEqual([{ title: 'ui_broken', error: expect.stringMatching(/needs a window/) }]);
    const { rows } = await context.db.pool.query(`select kind, severity, enabled, definition is not null as has_source from public.rules where name = 'ui_root_failures'`);
    expect(rows).toEqual([{ kind: 'threshold', severity: 'high', enabled: false, has_source: true }]);
  });

  it('compiles Sigma, and reports text that is not YAML at all', async () => {
    const sigma = await importAsAdmin(sigmaRule, 'failed_logon.yml');
    expect(sigma.status).toBe('done');
    expect(sigma.compiled).toHaveLength(1);
    expect(sigma.failures).toEqual([]);
    const broken = await importAsAdmin('rules: [ {name: x', null);
    expect(broken).toMatchObject({ status: 'done', compiled: [] });
    expect(broken.failures).toHaveLength(1);
    // A Sigma field the mapping does not know is named in the message.
    const unmapped = await importAsAdmin(sigmaRule.replace('EventID: 4625', 'NoSuchField: 1').replace('windows, service: security', 'linux, service: sshd'));
    expect(unmapped.failures).toEqual([{ title: 'Failed Windows logon', error: expect.stringMatching(/NoSuchField/) }]);
  });

  it('is for admins: analysts may neither import nor read imports', async () => {
    await expect(context.db.asRole('siem_analyst', (c) => c.query(`select public.import_rules('rules: []')`))).rejects.toThrow(/permission denied/);
    await expect(context.db.asRole('siem_analyst', (c) => c.query('select * from public.rule_imports'))).rejects.toThrow(/permission denied/);
    await expect(context.db.asRole('siem_admin', (c) => c.query(`insert into public.rule_imports (source_text, status) values ('x', 'done')`))).rejects.toThrow(/permission denied/);
  });
});
