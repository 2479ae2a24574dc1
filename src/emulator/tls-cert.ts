/**
 * Throwaway certificates: a CA and a server certificate it signed (`oac emulate --tls` without
 * --cert/--key), and the kit of the TLS scenarios of `oac check` (a trusted CA, an untrusted one, a
 * client certificate). Clients trust the CA file (Ollama: the system store or SSL_CERT_FILE; curl:
 * --cacert; Node: the `ca` option / NODE_EXTRA_CA_CERTS).
 *
 * Made with @peculiar/x509 on Node's WebCrypto, asynchronously: the synchronous `openssl` processes this
 * used to start held the event loop for 0.3 s and more, while the conformance server shares that loop
 * (`oac check`'s kit is made by a child process, see generateTlsKit). The tests keep openssl as the
 * independent check of what is made here (`openssl verify`, `openssl x509 -text`). @peculiar/x509 (and
 * the Reflect polyfill its DI container insists on) is imported on first use, so the commands that never
 * make a certificate do not load it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { atExit } from '../exit-hooks.js';
import { HarnessError } from '../errors.js';

export interface ThrowawayCert {
  dir: string;
  caPath: string;
  certPath: string;
  keyPath: string;
}

export interface ClientCertFiles {
  certPath: string;
  keyPath: string;
}

/**
 * Everything the TLS scenarios of one run need, made once per run (not once per scenario): a trusted CA
 * with its server certificate and a client certificate, and a second CA whose server certificate the
 * client is never told to trust.
 */
export interface TlsKit {
  trusted: ThrowawayCert;
  untrusted: ThrowawayCert;
  client: ClientCertFiles;
}

/** The host names every certificate carries: what a client on loopback may connect to. */
const LOOPBACK_NAMES = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost'];

/** Subject alternative names for the hosts a client may use: always 127.0.0.1, ::1 and localhost. */
function subjectAltNames(hosts: string[]): string {
  const names = new Set(LOOPBACK_NAMES);
  for (const host of hosts) {
    const bare = host.replace(/^\[|\]$/g, '');
    if (bare === '' || bare === '0.0.0.0' || bare === '::') continue;
    names.add(isIP(bare) ? `IP:${bare}` : `DNS:${bare}`);
  }
  return [...names].join(',');
}

// ---------------------------------------------------------------------------------------------------
// In-process (@peculiar/x509)

type X509 = typeof import('@peculiar/x509');
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

/** Every certificate this project makes (emulator TLS kit, intercept CA): ECDSA P-256 with SHA-256. */
export const CERT_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const ALGORITHM = CERT_ALGORITHM;
/** Two days, as the openssl version made them (`-days 2`): a run never lasts longer. */
const LIFETIME_MS = 2 * 24 * 3600_000;
/** A client on a slightly slow clock must not see a certificate from the future. */
const BACKDATE_MS = 5 * 60_000;

let loaded: Promise<X509> | undefined;

/**
 * @peculiar/x509, set up on Node's WebCrypto, loaded once and only when a certificate is made (the
 * emulator's TLS kit and the intercept CA share this; it costs ~25 MB and a second of start-up that a
 * run without certificates must not pay).
 */
export function x509(): Promise<X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const lib = await import('@peculiar/x509');
    // Node's WebCrypto is the standard interface; the package types it with the DOM lib this project does not load.
    lib.cryptoProvider.set(webcrypto as unknown as Parameters<typeof lib.cryptoProvider.set>[0]);
    return lib;
  })();
  return loaded;
}

export function serialNumber(): string {
  // A positive 64-bit serial: the top bit clear, so DER does not need a sign byte.
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1');
}

export function validity(at: Date = new Date()): { notBefore: Date; notAfter: Date } {
  const now = at.getTime();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + LIFETIME_MS) };
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

async function importPrivateKeyPem(file: string): Promise<CryptoKey> {
  const der = createPrivateKey(await readFile(file)).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

function altNameEntries(hosts: string[]): { type: 'ip' | 'dns'; value: string }[] {
  return subjectAltNames(hosts).split(',').map((name) => {
    const [kind, ...rest] = name.split(':');
    return { type: kind === 'IP' ? 'ip' : 'dns', value: rest.join(':') };
  });
}

/** Writes a key (0600) and its certificate beside it; the key is written first, so a cert never lacks its key. */
async function writePair(dir: string, base: string, keys: CryptoKeyPair, certPem: string): Promise<{ certPath: string; keyPath: string }> {
  const keyPath = path.join(dir, `${base}.key`);
  const certPath = path.join(dir, `${base}.pem`);
  await writeFile(keyPath, await privateKeyPem(keys.privateKey), { mode: 0o600 });
  await writeFile(certPath, `${certPem}\n`, { mode: 0o644 });
  return { certPath, keyPath };
}

/** A leaf signed by the CA in `ca.dir` (its key read back from `ca.key`). */
async function signLeaf(ca: ThrowawayCert, subject: string, extensions: (lib: X509) => import('@peculiar/x509').Extension[]): Promise<{ keys: CryptoKeyPair; pem: string }> {
  const lib = await x509();
  const [caCert, caKey, keys] = await Promise.all([
    readFile(ca.caPath, 'utf8').then((pem) => new lib.X509Certificate(pem)),
    importPrivateKeyPem(path.join(ca.dir, 'ca.key')),
    webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>,
  ]);
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serialNumber(), subject, issuer: caCert.subject, ...validity(),
    publicKey: keys.publicKey, signingKey: caKey, signingAlgorithm: ALGORITHM,
    extensions: [
      ...extensions(lib),
      // Stricter verifiers (Python 3.13's VERIFY_X509_STRICT) want the key identifiers.
      await lib.AuthorityKeyIdentifierExtension.create(caCert),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { keys, pem: cert.toString('pem') };
}

/**
 * Make a CA (`ca.pem`, `ca.key`) and a server certificate it signed (`server.pem`, `server.key`) in
 * `dir`, for 127.0.0.1, ::1, localhost and `hosts`. The caller owns `dir` and removes it (a run
 * workspace, see src/workspace.ts): CA and server private keys must not outlive the run.
 */
async function createThrowawayCert(hosts: string[], dir: string): Promise<ThrowawayCert> {
  const lib = await x509();
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as CryptoKeyPair;
  const caCert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(), name: 'CN=oac emulator throwaway CA', ...validity(), keys: caKeys, signingAlgorithm: ALGORITHM,
    extensions: [
      new lib.BasicConstraintsExtension(true, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign, true),
      await lib.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const ca = await writePair(dir, 'ca', caKeys, caCert.toString('pem'));
  const made: ThrowawayCert = { dir, caPath: ca.certPath, certPath: path.join(dir, 'server.pem'), keyPath: path.join(dir, 'server.key') };
  const server = await signLeaf(made, 'CN=oac emulator', (x) => [
    new x.BasicConstraintsExtension(false, undefined, true),
    new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature | x.KeyUsageFlags.keyEncipherment, true),
    new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth]),
    new x.SubjectAlternativeNameExtension(altNameEntries(hosts)),
  ]);
  await writePair(dir, 'server', server.keys, server.pem);
  return made;
}

/** A client certificate for mTLS (`client.pem`, `client.key` beside the CA), signed by a CA made above. */
async function createClientCert(ca: ThrowawayCert): Promise<ClientCertFiles> {
  const client = await signLeaf(ca, 'CN=oac test client', (x) => [
    new x.BasicConstraintsExtension(false, undefined, true),
    new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true),
    new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.clientAuth]),
  ]);
  return writePair(ca.dir, 'client', client.keys, client.pem);
}

/**
 * The TLS scenarios' kit, in `<dir>/trusted` and `<dir>/untrusted`. Built (dist/), it is made by a child
 * process (tls-kit-process.js): loading @peculiar/x509 and its ASN.1 modules is synchronous work (~0.3-0.5 s,
 * more on a busy machine) that would stop the conformance server, which shares this thread, while the
 * clients of other scenarios talk to it; and its ~25 MB would count in this process's peak memory. A
 * worker thread avoids the first only. From source (ts-jest) there is no compiled script to run, and the
 * kit is made here.
 */
export async function generateTlsKit(dir: string): Promise<TlsKit> {
  const script = new URL('./tls-kit-process.js', import.meta.url);
  if (!import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(script))) return makeTlsKit(dir);
  return makeTlsKitInChild(fileURLToPath(script), dir);
}

function makeTlsKitInChild(script: string, dir: string): Promise<TlsKit> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [script, dir], { timeout: 120_000, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      forget();
      if (err) {
        reject(new HarnessError('emulator/tls-kit', `cannot make the TLS certificates in ${dir}: ${String(stderr).trim() || err.message}`, { cause: err }));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as TlsKit);
      } catch (parseError) {
        reject(new HarnessError('emulator/tls-kit', `the TLS certificate process printed no kit for ${dir}: ${JSON.stringify(stdout.slice(0, 200))}`, { cause: parseError }));
      }
    });
    // Interrupted mid-run (Ctrl-C), the run folder is removed by an earlier-registered hook: this child must
    // be dead before that, or it writes its keys into a folder that was just removed and leaves them behind.
    const forget = atExit(() => child.kill('SIGKILL'));
  });
}

/** The kit, made on this thread; the two CAs side by side. */
export async function makeTlsKit(dir: string): Promise<TlsKit> {
  const trustedDir = path.join(dir, 'trusted');
  const untrustedDir = path.join(dir, 'untrusted');
  await Promise.all([mkdir(trustedDir, { recursive: true }), mkdir(untrustedDir, { recursive: true })]);
  const [trusted, untrusted] = await Promise.all([createThrowawayCert([], trustedDir), createThrowawayCert([], untrustedDir)]);
  return { trusted, untrusted, client: await createClientCert(trusted) };
}

// ---------------------------------------------------------------------------------------------------
// With the system's openssl, synchronously (kept for callers that cannot wait)

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new HarnessError('emulator/openssl', `openssl ${args[0]} failed (is openssl installed?): ${stderr || (err as Error).message}`, { cause: err });
  }
}

/**
 * The same CA and server certificate as createThrowawayCert(), made by three blocking `openssl`
 * processes. Never call it from a process that serves a client at the same time (the event loop stops
 * while openssl runs): `oac check` uses createThrowawayCert(). Kept for the synchronous callers made
 * before the server starts listening (`oac emulate --tls`'s emulatorOptionsFromArgs, test/emulator/);
 * they can move to createThrowawayCert() once they await.
 */
export function generateThrowawayCert(hosts: string[], dir: string): ThrowawayCert {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=oac emulator throwaway CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=oac emulator'], dir);
  writeFileSync(path.join(dir, 'server.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${subjectAltNames(hosts)}`,
    '',
  ].join('\n'));
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext'], dir);
  return { dir, caPath: path.join(dir, 'ca.pem'), certPath: path.join(dir, 'server.pem'), keyPath: path.join(dir, 'server.key') };
}
