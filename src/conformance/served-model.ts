/**
 * The model a scenario run serves: the one place that holds it. In loopback mode it is the golden
 * `library/llama3:latest` for the whole run (the harness writes the client's target itself). In intercept
 * mode the client runs as it ships and asks for whatever model its user named, so the run adopts the name of
 * the FIRST manifest request (`/v2/<repository>/manifests/<reference>`) before that request is answered,
 * and the emulator serves its golden manifest under that name through a catalogue alias. Requests are never
 * rewritten: the token request is signed over its URL, scope included, and the report shows what the client
 * sent. Later requests for other names are answered as any unknown name is (401, then 404 once authorised).
 */
import { addModelAlias, catalogueKey, DEFAULT_MODEL, findManifest, sha256Digest, type ModelCatalogue, type ModelName } from '../emulator/catalogue.js';
import { matchResource, referenceProblem, repositoryNameProblem } from '../emulator/registry.js';

export type { ModelName } from '../emulator/catalogue.js';

/** The model every registry scenario serves in loopback mode (it is in the emulator's default catalogue). */
export const SCENARIO_MODEL: ModelName = DEFAULT_MODEL;

/**
 * `{{otherRepository}}`: a repository the run does NOT serve (a second scope in a challenge). Normally
 * `library/other`; when the client itself asked for `library/other`, the fallback, so the two never meet.
 */
const OTHER_REPOSITORY = 'library/other';
const OTHER_REPOSITORY_FALLBACK = 'library/other-model';

/** What the first manifest request did to the run's model, for the observation of that request. */
export type Adoption =
  | { kind: 'adopted'; model: ModelName; note: string }
  | { kind: 'refused'; note: string };

/** The name of a manifest request, whatever it spells, or undefined when the path is not one. */
function requestedManifest(path: string): { repository: string; reference: string } | undefined {
  const route = matchResource(path);
  return route?.kind === 'manifests' ? { repository: route.repository, reference: route.reference } : undefined;
}

/** Why a requested name cannot be served under its own name, or undefined when it can. */
function modelNameProblem(repository: string, reference: string): string | undefined {
  return repositoryNameProblem(repository) ?? referenceProblem(reference);
}

export class ServedModel {
  private current: ModelName = SCENARIO_MODEL;
  /** Loopback: never. Intercept: until the first manifest request has been seen. */
  private adoptable: boolean;

  /**
   * @param catalogue the emulator's catalogue: it must hold SCENARIO_MODEL, which an adopted name aliases.
   */
  constructor(mode: 'fixed' | 'adopt-first-request', private readonly catalogue: ModelCatalogue) {
    this.adoptable = mode === 'adopt-first-request';
  }

  get name(): ModelName {
    return this.current;
  }

  /**
   * Called with every request to the main listener before it is answered. The first manifest request
   * decides, once: a valid name becomes the run's model; an invalid one leaves the golden model in place
   * (the request is answered as any unknown name, and its name never enters a template value).
   */
  consider(path: string): Adoption | undefined {
    if (!this.adoptable) return undefined;
    const requested = requestedManifest(path);
    if (requested === undefined) return undefined;
    this.adoptable = false;
    const problem = modelNameProblem(requested.repository, requested.reference);
    if (problem !== undefined) return { kind: 'refused', note: `not adopted as the served model (${problem}): the run serves ${catalogueKey(SCENARIO_MODEL)} only` };
    const model: ModelName = { repository: requested.repository, tag: requested.reference };
    this.current = model;
    const served = this.aliasGolden(model)
      ? `the golden ${catalogueKey(SCENARIO_MODEL)} manifest under that name`
      : `the digest is not the golden manifest's, so that manifest is unknown`;
    return { kind: 'adopted', model, note: `served model adopted from this request: ${catalogueKey(model)} (${served})` };
  }

  /**
   * The golden manifest under the adopted name; a digest names it only when it is the golden manifest's
   * digest (a registry serves by digest only the manifest with that digest). False when not aliased.
   */
  private aliasGolden(model: ModelName): boolean {
    const golden = catalogueKey(SCENARIO_MODEL);
    const goldenManifest = findManifest(this.catalogue, golden);
    if (model.tag.includes(':') && (goldenManifest === undefined || sha256Digest(goldenManifest) !== model.tag)) return false;
    addModelAlias(this.catalogue, catalogueKey(model), golden);
    return true;
  }

  /** `{{repository}}`, `{{tag}}` and `{{otherRepository}}` for mutation templates. */
  templateValues(): Record<'repository' | 'tag' | 'otherRepository', string> {
    const { repository, tag } = this.current;
    return { repository, tag, otherRepository: repository === OTHER_REPOSITORY ? OTHER_REPOSITORY_FALLBACK : OTHER_REPOSITORY };
  }
}
