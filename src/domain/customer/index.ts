export * from './commands.js';
export * from './decider.js';
export * from './errors.js';
export * from './event-versions.js';
export * from './events.js';
export * from './state.js';
export * from './uniqueness.js';
