import { type EventDefinition } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  enumSchema,
  identifierSchema,
  jsonSchemaDialect,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

export const devicePlatforms = ['android', 'ios', 'web'] as const;
export type DevicePlatform = (typeof devicePlatforms)[number];

/**
 * device.enrolled v1 — FROZEN. A consumer's phone (PCD) was enrolled to an account with an enrolment
 * code. It maps a device to the account that pays for it; the platform tells the verifier which
 * attestation formats to expect.
 */
export interface DeviceEnrolledV1 {
  readonly deviceId: string;
  readonly accountId: string;
  readonly platform: DevicePlatform;
  readonly enrolledAt: string;
}

export const deviceEnrolledV1Schema: ObjectSchema<DeviceEnrolledV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('device.enrolled', 1),
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'accountId', 'platform', 'enrolledAt'],
  properties: {
    deviceId: identifierSchema,
    accountId: identifierSchema,
    platform: enumSchema(devicePlatforms),
    enrolledAt: timestampSchema,
  },
};

export const deviceEnrolledV1: EventDefinition<'device.enrolled', DeviceEnrolledV1> = {
  type: 'device.enrolled',
  version: 1,
  topic: 'registry.devices.v1',
  producer: 'registry',
  description:
    'A consumer device was enrolled to an account; the payload is the device’s full state.',
  schema: deviceEnrolledV1Schema,
  key: (payload) => payload.deviceId,
};
