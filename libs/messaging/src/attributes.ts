/**
 * Span attribute names the backbone sets. They follow the OpenTelemetry messaging conventions where
 * one exists; the settle.* names are the project's own (see libs/telemetry for the full list).
 */
export const messagingAttribute = {
  system: 'messaging.system',
  destinationName: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  offset: 'messaging.kafka.offset',
  consumerGroup: 'messaging.consumer.group.name',
  eventType: 'settle.event.type',
  eventId: 'settle.event.id',
} as const;
