export * from './errors.js';
export * from './client.js';
export { SlidingWindowGate, defaultMarginMs, type PauseState } from './gate.js';
export { redactUrl } from '../observe/scrub.js';
