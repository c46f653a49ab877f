import {
  deviceCheckedInV1,
  deviceEnrolledV1,
  deviceOfflineCapabilityChangedV1,
  keyLifecycleChangedV1,
  merchantOnboardedV1,
  terminalRegisteredV1,
} from '@settle/contracts';
import { RegistryProjectionConsumer } from './registry-projection.consumer';

describe('RegistryProjectionConsumer', () => {
  // The names are literals (the deployment test reads them for the ACLs); this keeps them the contracts'.
  it('reads exactly the topics of the six registry events it projects', () => {
    const definitions = [
      keyLifecycleChangedV1,
      deviceEnrolledV1,
      terminalRegisteredV1,
      merchantOnboardedV1,
      deviceCheckedInV1,
      deviceOfflineCapabilityChangedV1,
    ];
    expect(new RegistryProjectionConsumer().topics).toEqual(
      definitions.map((definition) => definition.topic),
    );
  });
});
