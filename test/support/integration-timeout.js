// Integration tests talk to a real Kafka and PostgreSQL: a group join alone can take seconds.
jest.setTimeout(120_000);
