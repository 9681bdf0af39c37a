/** The contract's error codes and factories, and the mapping of upstream outcomes to them. */
export * from './codes';
export * from './upstream';
