// The ledger service in a child process, so a test can kill it with SIGKILL mid-batch. It reads its
// configuration from the environment the test gives it (project variables the ledger does not know,
// such as the test run's own, are left out).
import { projectVariablePrefix, startService } from '@settle/platform';
import { serviceDefinition } from '../service-definition';

const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !name.startsWith(projectVariablePrefix) || name in serviceDefinition.config,
  ),
);

startService(serviceDefinition, { env }).then(
  () => process.stdout.write('ledger-process ready\n'),
  (error: unknown) => {
    process.stderr.write(`ledger-process failed: ${String(error)}\n`);
    process.exit(1);
  },
);
