import { snapshot } from './tmpdir-snapshot.mjs';
export default function globalSetup() {
  snapshot();
}
