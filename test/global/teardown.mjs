import { compare } from './tmpdir-snapshot.mjs';
export default function globalTeardown() {
  compare();
}
