/** Evidence for a pull request: `oac check --evidence DIR` writes it, `oac evidence verify DIR` checks it. */
export { writeEvidence, reproduceCommand, EVIDENCE_FILES } from './write.js';
export { verifyEvidence } from './verify.js';
export { collectGitState, type GitState } from './git-state.js';
export { sha256Hex } from './sums.js';
