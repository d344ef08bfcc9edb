import type { Config } from '../config.ts';
import { describeUrls } from '../../db/runtime.ts';

export function dbUrlCommand(config: Config, { all }: { all: boolean }): void {
  const urls = describeUrls(config);
  if (!all) {
    console.log(urls.owner);
    return;
  }
  for (const [role, url] of Object.entries(urls)) console.log(`${role}\t${url}`);
}
