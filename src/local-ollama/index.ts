/**
 * The local Ollama stand-in (`oac emulate --local-ollama`) and the route catalogue it answers from.
 * See README.md in this folder.
 */
export { createLocalOllama, DEFAULT_BODY_LIMIT, DEFAULT_VERSION, type LocalOllama, type LocalOllamaOptions, type LoggedRequest } from './server.js';
export { loadRouteCatalogue, routeById, type CatalogueRoute, type OllamaAnswer, type PathSpelling, type MethodSpelling, type ProbeRequest, type RouteCatalogue, type RouteEffect, type RouteRegistration } from './catalogue.js';
export { runPipeline, type PipelineAnswer, type PipelineRequest } from './pipeline.js';
export { redactHeaders, redactTarget } from './redact.js';
export { credentialValueShape } from '../redaction/index.js';
export { FIXTURE_MODEL } from './store.js';
