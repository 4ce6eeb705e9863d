import { join } from 'node:path';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { cdkBundlingOptions, HANDLER_ENTRIES, type HandlerName, PROJECT_ROOT } from './bundling.js';

/** One constant so a runtime upgrade is a one-line change (keep `NODE_TARGET` in step). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * `bundle` runs esbuild on the real handler; `stub` deploys a placeholder so stack tests
 * synthesise in seconds and do not depend on the handlers compiling.
 */
export type FunctionCode = 'bundle' | 'stub';

export interface ServiceFunctionProps {
  handler: HandlerName;
  description: string;
  environment: Record<string, string>;
  timeout: Duration;
  memorySize: number;
  code: FunctionCode;
  logRetention: logs.RetentionDays;
  /** Executions kept for this function alone, which is also its ceiling. */
  reservedConcurrency?: number;
}

/**
 * A function with its own role and log group. The role starts empty apart from writing to
 * that log group, so every permission the function has is granted visibly by the stack.
 */
export class ServiceFunction extends Construct {
  /** The handler it runs (`HANDLER_ENTRIES`). */
  readonly handler: HandlerName;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.handler = props.handler;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (least privilege)`,
    });
    this.logGroup.grantWrite(this.role);

    const common = {
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // X-Ray: the handlers' SDK clients are captured by the Powertools tracer.
      tracing: lambda.Tracing.ACTIVE,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency }),
    };
    this.function =
      props.code === 'bundle'
        ? new NodejsFunction(this, 'Function', {
            ...common,
            entry: join(PROJECT_ROOT, HANDLER_ENTRIES[props.handler]),
            handler: 'handler',
            projectRoot: PROJECT_ROOT,
            depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
            bundling: cdkBundlingOptions(props.handler),
          })
        : new lambda.Function(this, 'Function', {
            ...common,
            handler: 'index.handler',
            code: lambda.Code.fromInline(
              `exports.handler = async () => { throw new Error('stub: ${props.handler}'); };`,
            ),
          });
    // Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords on "*".
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22, the runtime the handlers and bundle target are built and tested for; upgrade FUNCTION_RUNTIME with NODE_TARGET.',
    });
  }
}
