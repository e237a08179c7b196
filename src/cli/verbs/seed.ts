/** ssoctl seed: fills an environment with the realistic BizTalk sample data (idempotent). */
import { SsoError } from '../../protocol/errors';
import { type ParsedArgs, optInt } from '../args';
import { connect, print } from '../context';
import { bizTalkSample } from '../seed/bizTalkSample';

export const seedOptions = { ports: { value: true } };

export async function seed(args: ParsedArgs): Promise<void> {
  const data = bizTalkSample(optInt(args, 'ports') ?? 24);
  const client = await connect(args);
  let apps = 0;
  let configs = 0;
  try {
    for (const app of data.applications) {
      try {
        await client.request('apps.create', app);
        apps++;
      } catch (err) {
        if (!(err instanceof SsoError && err.code === 'ENTSSO_E_APPLICATION_EXISTS')) throw err;
      }
    }
    for (const c of data.configurations) {
      try {
        await client.request('config.set', { ...c, expectedTimestamp: null });
        configs++;
      } catch (err) {
        if (!(err instanceof SsoError && err.code === 'ENTSSO_E_CONFLICT')) throw err;
      }
    }
  } finally {
    client.close();
  }
  print(args, { applicationsCreated: apps, configurationsCreated: configs }, () => `Seeded ${apps} applications and ${configs} configurations (existing ones were kept).`);
}
