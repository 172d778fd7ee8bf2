import { openTestPostgresStore, postgresTestsEnabled } from '../fixtures/postgres.ts';
import { describeStore } from './store-suite.ts';

if (await postgresTestsEnabled()) {
  describeStore({ name: 'postgres', open: openTestPostgresStore });
}
