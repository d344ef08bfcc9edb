import { Agent } from '../../agent/agent.ts';

/** `siem agent --config agent.yaml`: runs until SIGTERM/SIGINT (or the end of stdin when that is its only source). */
export async function agentCommand(options: { config: string }): Promise<void> {
  const agent = await Agent.start({ configFile: options.config });
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    agent.log.info('stopping', { signal });
    stopping ??= agent.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    agent.log.info('reloading the configuration', { signal: 'SIGHUP', file: options.config });
    void agent.reload();
  });
  if (agent.stdinOnly) {
    await agent.stdinFinished;
    await agent.drain(2 ** 31 - 1);
    stop('end of stdin');
  }
}
