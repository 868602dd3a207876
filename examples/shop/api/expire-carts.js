// The api's periodic admin process, run by a CronJob: carts expire through
// their Redis TTL, so this only reports that it ran.
import { createLogger } from '@nimbus/runtime';

const logger = createLogger({ base: { service: 'api', task: 'expire-carts' } });
logger.info('carts expire by TTL; nothing to sweep');
