import {
  type AwsJsonServer,
  startAwsJsonServer,
} from '../../src/local/aws-json/aws-json-server.js';

const ARN = 'arn:aws:events:us-east-1:000000000000';

/**
 * EventBridge's archive replay as far as `npm run replay` sees it: the bus, archive and rule
 * it describes, and a replay that starts and completes. The local stand-in has no archives;
 * this answers only so that the tool's real calls can be recorded, and replays nothing.
 */
export const startArchiveEndpoint = (): Promise<AwsJsonServer> =>
  startAwsJsonServer({
    port: 0,
    targetPrefix: 'AWSEvents',
    internalErrorType: 'InternalException',
    maxBodyBytes: 1024 * 1024,
    operations: {
      DescribeEventBus: ({ Name }) => ({ Name, Arn: `${ARN}:event-bus/${Name}` }),
      DescribeArchive: ({ ArchiveName }) => ({
        ArchiveName,
        ArchiveArn: `${ARN}:archive/${ArchiveName}`,
        State: 'ENABLED',
      }),
      DescribeRule: ({ Name, EventBusName }) => ({
        Name,
        EventBusName,
        Arn: `${ARN}:rule/${EventBusName}/${Name}`,
      }),
      StartReplay: ({ ReplayName }) => ({
        ReplayArn: `${ARN}:replay/${ReplayName}`,
        State: 'STARTING',
      }),
      DescribeReplay: ({ ReplayName }) => ({
        ReplayName,
        ReplayArn: `${ARN}:replay/${ReplayName}`,
        State: 'COMPLETED',
      }),
    },
  });
