import { lambdaService } from '../composition/lambda-service.js';

const { service, instrument } = lambdaService();
export const handler = instrument(service.projector);
