/**
 * A registry stand-in for the reference-client tests: `/v2/token` is the token endpoint, everything else
 * under `/v2/` a resource that wants `Authorization: Bearer <token>`. Each piece can be replaced per test.
 */
import { json, startServer, type Recorded, type Reply, type ServerTls, type TestServer } from './server.js';

export const TOKEN = 'dGVzdC10b2tlbi1mb3ItdGhlLXJlZmVyZW5jZS1jbGllbnQ';
export const MANIFEST = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', layers: [] };

export interface RegistryBehaviour {
  /** The WWW-Authenticate value(s) on a 401; `null` sends none. */
  challenge: (server: TestServer) => string | string[] | null;
  token: (req: Recorded) => Reply;
  /** The resource's answer to a request carrying the right token. */
  resource: (req: Recorded) => Reply;
  /** Which Authorization values the resource accepts. */
  accepts: (authorization: string | undefined) => boolean;
}

export function defaultBehaviour(): RegistryBehaviour {
  return {
    challenge: (s) => `Bearer realm="${s.origin}/v2/token",service="registry.test",scope="repository:library/llama3:pull"`,
    token: () => json(200, { token: TOKEN }),
    resource: () => json(200, MANIFEST, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }),
    accepts: (a) => a === `Bearer ${TOKEN}`,
  };
}

/** Installs the behaviour on the server (a getter so a test can change one piece after start). */
export function registryHandler(server: () => TestServer, behaviour: RegistryBehaviour) {
  return (req: Recorded): Reply => {
    if (req.target.startsWith('/v2/token')) return behaviour.token(req);
    if (behaviour.accepts(req.headers.authorization)) return behaviour.resource(req);
    const challenge = behaviour.challenge(server());
    return {
      status: 401,
      headers: { 'Content-Type': 'application/json', ...(challenge === null ? {} : { 'WWW-Authenticate': challenge }) },
      body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
    };
  };
}

/** Servers started by a suite, closed together in afterAll. */
export class ServerPool {
  private readonly servers: TestServer[] = [];

  async registry(overrides: Partial<RegistryBehaviour> = {}, tls?: ServerTls): Promise<TestServer> {
    const behaviour = { ...defaultBehaviour(), ...overrides };
    let self: TestServer | undefined;
    const server = await startServer(registryHandler(() => self!, behaviour), tls);
    self = server;
    this.servers.push(server);
    return server;
  }

  async plain(handler: Parameters<typeof startServer>[0], tls?: ServerTls): Promise<TestServer> {
    const server = await startServer(handler, tls);
    this.servers.push(server);
    return server;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.servers.splice(0).map((s) => s.close()));
  }
}
