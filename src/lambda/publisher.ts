import { lambdaService } from '../composition/lambda-service.js';

const { service, instrument } = lambdaService({ eventBridge: true });
export const handler = instrument(service.publisher);
