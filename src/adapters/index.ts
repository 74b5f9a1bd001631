export * from './org.js';
export * from './secoda.js';
export { ORG_PATHS, ORG_LIST_PARAMS, ORG_MAX_PAGE_SIZE } from './org-paths.js';
export { SECODA_PATHS, SECODA_PAGE_PARAM } from './secoda-paths.js';
export { hadAmbiguousAttempt } from './common.js';
