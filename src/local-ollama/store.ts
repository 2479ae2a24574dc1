/**
 * The stand-in's model store: a small fixed list that never changes, whatever requests arrive (an acting
 * request is answered and flagged, not carried out). One model is installed so that tests can send an
 * acting inference request; no blob but that model's own exists.
 */
import { createHash } from 'node:crypto';
import { nameKey, parseName, type ModelName } from './model-names.js';

export interface StoredModel {
  name: ModelName;
  /** The model's name as /api/tags shows it. */
  display: string;
  digest: string;
  size: number;
  modifiedAt: string;
}

export const FIXTURE_MODEL = 'oac-fixture:latest';

function fixture(display: string): StoredModel {
  const digest = createHash('sha256').update(`oac local ollama fixture ${display}`).digest('hex');
  return { name: parseName(display), display, digest, size: 1024, modifiedAt: '2026-01-01T00:00:00Z' };
}

export class ModelStore {
  readonly models: readonly StoredModel[];

  constructor(models: readonly string[] = [FIXTURE_MODEL]) {
    this.models = models.map(fixture);
  }

  find(name: ModelName): StoredModel | undefined {
    const key = nameKey(name);
    return this.models.find((m) => nameKey(m.name) === key);
  }

  hasBlob(digest: string): boolean {
    const hex = digest.replace(/^sha256[:-]/, '').toLowerCase();
    return this.models.some((m) => m.digest === hex);
  }

  /** api.ListResponse. */
  listResponse(): unknown {
    return {
      models: this.models.map((m) => ({
        name: m.display,
        model: m.display,
        modified_at: m.modifiedAt,
        size: m.size,
        digest: m.digest,
        details: { parent_model: '', format: 'gguf', family: 'oac', families: ['oac'], parameter_size: '1K', quantization_level: 'F16' },
      })),
    };
  }
}
