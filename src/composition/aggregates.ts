import { customerModule } from '../app/customer/module.js';
import type { RegisteredAggregate } from './aggregate-module.js';

/**
 * Every aggregate of the service, registered once: the composition root, the OpenAPI
 * document, the stack and local table creation all derive from this list.
 */
export const AGGREGATES: readonly RegisteredAggregate[] = [customerModule];
