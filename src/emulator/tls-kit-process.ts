/**
 * `node tls-kit-process.js <dir>`: makes the TLS kit in `<dir>` (tls-cert.ts makeTlsKit) and prints it as
 * JSON on stdout (file paths only; the private keys stay in the files). generateTlsKit() runs it as a
 * child process so that neither the work nor the memory of @peculiar/x509 lands in the process that
 * serves the clients.
 */
import { makeTlsKit } from './tls-cert.js';

const dir = process.argv[2];
if (dir === undefined || process.argv.length !== 3) {
  process.stderr.write(`usage: tls-kit-process.js <dir>, got ${JSON.stringify(process.argv.slice(2))}\n`);
  process.exitCode = 2;
} else {
  makeTlsKit(dir).then(
    (kit) => process.stdout.write(`${JSON.stringify(kit)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
