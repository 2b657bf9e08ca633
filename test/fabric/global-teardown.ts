import { down } from '@dol/network';
import { testLayout } from './test-network';

/** Stops every process the tests started; the folder stays for its logs (the next run purges it). */
export default async function globalTeardown(): Promise<void> {
  await down(testLayout());
}
