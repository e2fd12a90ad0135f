// CDK app entry (cdk.json: `node bin/run-ts.js infra/app.ts`). Parameters come from context; see infra/config.ts.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.ts';
import { FazhiStack } from './fazhi-stack.ts';

const app = new App();
const config = readConfig((key) => app.node.tryGetContext(key));

// No env: the template is environment-agnostic (account, region and partition are resolved at deploy time), so the
// same synth deploys to aws and aws-cn regions.
new FazhiStack(app, `FazhiScore-${config.stage}`, { config });

// cdk-nag v3 runs as a policy-validation plugin: an unacknowledged finding fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

app.synth();
