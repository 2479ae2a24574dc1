/** The one error type of the evidence layer: a bundle that cannot be written or does not verify. */
import { OacError } from '../errors.js';

export class EvidenceError extends OacError {}
