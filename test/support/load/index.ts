// A load run through the four services (imported as @settle/load-driver): parties, payments made
// ahead, uploads at a steady rate, what the databases and Kafka hold afterwards.
export * from './confirmations';
export * from './drive-uploads';
export * from './onboard';
export * from './payments';
export * from './read-outcome';
