// Drivers' errors are translated at the store boundary into these, so services
// never see a pg or node:sqlite error object.
export class StoreError extends Error {
  override name = 'StoreError';
}

/** A transient condition (lock timeout, serialization failure, connection loss): safe to retry. */
export class RetryableStoreError extends StoreError {
  override name = 'RetryableStoreError';
}
