/**
 * An independent, strict XML 1.0 parser for the junit.xml tests: Python's xml.etree.ElementTree (expat),
 * which refuses anything not well-formed (unescaped `&` or `<`, mismatched tags, duplicate attributes,
 * characters XML cannot carry, even as references). Node has no XML parser and node_modules holds none.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

export interface XmlElement {
  tag: string;
  attrib: Record<string, string>;
  text: string | null;
  children: XmlElement[];
}

const SCRIPT = `
import sys, json
import xml.etree.ElementTree as ET
def el(e):
    return {"tag": e.tag, "attrib": dict(e.attrib), "text": e.text, "children": [el(c) for c in e]}
try:
    root = ET.fromstring(sys.stdin.buffer.read())
except ET.ParseError as err:
    sys.stderr.write("not well-formed: %s\\n" % err)
    sys.exit(3)
sys.stdout.write(json.dumps(el(root)))
`;

export class NotWellFormed extends Error {}

/** Parses `xml` (UTF-8 bytes, as the file would hold them); throws NotWellFormed with expat's message. */
export function parseXml(xml: string): XmlElement {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is required by these tests (Debian package python3; npm test installs it)`);
  try {
    const out = execFileSync(PYTHON, ['-c', SCRIPT], { input: Buffer.from(xml, 'utf8'), stdio: ['pipe', 'pipe', 'pipe'] });
    return JSON.parse(out.toString('utf8')) as XmlElement;
  } catch (err) {
    const e = err as { status?: number; stderr?: Buffer };
    if (e.status === 3) throw new NotWellFormed(String(e.stderr ?? '').trim());
    throw err;
  }
}

export function children(el: XmlElement, tag: string): XmlElement[] {
  return el.children.filter((c) => c.tag === tag);
}

export function child(el: XmlElement, tag: string): XmlElement | undefined {
  return children(el, tag)[0];
}
