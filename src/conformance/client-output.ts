/**
 * The line of a client's stderr a person needs to see. A failing client's last words are often a stack
 * trace: Python prints the exception last, after "Traceback (most recent call last):" and its frames;
 * Node prints the error first and its frames after; Go prints "panic: …" first, then goroutines. The
 * first line is wrong for Python and the last is wrong for Node and Go, so frames are dropped and the
 * one line that says what went wrong is kept.
 */

const FRAME_OR_NOISE: RegExp[] = [
  /^Traceback \(most recent call last\):$/, // Python header
  /^\s+File ".*", line \d+/, // Python frame
  /^\s{2,}\S/, // indented source lines and frames (Python, Node "    at …", Go "\t/path.go:12")
  /^\s*[~^]+\s*$/, // Python 3.11 caret markers
  /^goroutine \d+ \[/, // Go
  /^exit status \d+$/, // `go run`
  /^Node\.js v\d+/, // Node's version footer
  /^During handling of the above exception/, // Python chained exceptions
  /^The above exception was the direct cause/,
  /^\S+\.(js|mjs|cjs|ts):\d+$/, // Node's "file.js:12" line above the source excerpt
];

export function errorLine(stderr: string, maxLength = 200): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const panic = lines.find((l) => l.startsWith('panic: '));
  const meaningful = lines.filter((l) => !FRAME_OR_NOISE.some((re) => re.test(l)));
  // Node: the thrown error is the first meaningful line ("Error: …" / "TypeError: …"), above its frames.
  const nodeError = lines.some((l) => /^\s+at .+/.test(l)) ? meaningful.find((l) => /^(Uncaught )?[A-Za-z]*Error\b/.test(l)) : undefined;
  const line = panic ?? nodeError ?? meaningful.at(-1) ?? lines.at(-1) ?? '';
  return line.length > maxLength ? `${line.slice(0, maxLength)}…` : line;
}
