// The building blocks of an offline payment through the four services, shared by the demo and
// test/e2e: parties (terminals, phones), payments over sound, a tampered app's transactions, uploads.
export * from './endpoints';
export * from './parties';
export * from './rogue';
export * from './sound';
export * from './uploads';
export * from './wait';
