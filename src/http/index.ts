export * from './errors.js';
export * from './client.js';
export { SlidingWindowGate, defaultMarginMs, type PauseState } from './gate.js';
export { redactUrl, scrubText } from './redact.js';
