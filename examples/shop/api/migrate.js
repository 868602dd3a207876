// The api's release-time admin process (12-factor XII), run as a Job from the
// same image before the new version serves: here it only records that the
// schema is current, as a JSON log line.
import { createLogger } from '@nimbus/runtime';

const logger = createLogger({ base: { service: 'api', task: 'migrate' } });
logger.info('schema is current', { migrations: 0 });
