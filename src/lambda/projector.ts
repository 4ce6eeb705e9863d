import { lambdaService } from '../composition/lambda-service.js';

export const handler = lambdaService().service.projector;
