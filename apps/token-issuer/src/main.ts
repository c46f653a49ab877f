import './telemetry';
import { bootstrapService } from '@settle/platform';
import { serviceDefinition } from './service-definition';

void bootstrapService(serviceDefinition);
