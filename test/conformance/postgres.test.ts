import { openTestPostgresStore, postgresTestsEnabled } from '../fixtures/postgres.ts';
import { describeDeliveryStore } from './delivery-suite.ts';
import { describeStore } from './store-suite.ts';

if (await postgresTestsEnabled()) {
  describeStore({ name: 'postgres', open: openTestPostgresStore });
  describeDeliveryStore({ name: 'postgres', open: openTestPostgresStore });
}
