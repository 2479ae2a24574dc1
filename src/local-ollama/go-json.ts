/**
 * gin's ShouldBindJSON as Ollama's handlers see it: encoding/json decodes the first JSON value of the body
 * into a Go struct. Only what the stand-in needs: an empty body is io.EOF, a non-object is a type error,
 * object keys match field names case-insensitively, and a value of the wrong JSON kind for a known field
 * is encoding/json's "cannot unmarshal" error. Messages for malformed JSON are close to Go's, not exact
 * (no probe request depends on them).
 */

export type GoFieldType = 'string' | 'bool' | 'number' | 'int' | 'array' | 'object' | 'any';

export type BindResult =
  | { ok: true; fields: Record<string, unknown> }
  | { ok: false; eof: true; message: 'EOF' }
  | { ok: false; eof: false; message: string };

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

const GO_TYPE_NAME: Record<GoFieldType, string> = {
  string: 'string', bool: 'bool', number: 'float64', int: 'int', array: '[]interface {}', object: 'map[string]interface {}', any: 'interface {}',
};

function fits(type: GoFieldType, v: unknown): boolean {
  if (v === null || type === 'any') return true;
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && !Array.isArray(v);
  }
}

function syntaxMessage(text: string): string {
  const first = text.trimStart()[0];
  if (first !== undefined && !'{["-0123456789tfn'.includes(first)) return `invalid character '${first}' looking for beginning of value`;
  return 'unexpected EOF';
}

/**
 * Decode `body` into the struct `structName` whose JSON fields (lower-case JSON names) have `types`.
 * Unknown keys are ignored, as encoding/json does.
 */
export function bindJson(body: Buffer, structName: string, types: Record<string, GoFieldType>): BindResult {
  const text = body.toString('utf8');
  if (text.trim() === '') return { ok: false, eof: true, message: 'EOF' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's own message says nothing Go would; the Go-like wording is the user-visible part.
    return { ok: false, eof: false, message: syntaxMessage(text) };
  }
  if (value === null) return { ok: true, fields: {} };
  if (jsonKind(value) !== 'object') {
    const kind = jsonKind(value) === 'bool' ? 'bool' : jsonKind(value);
    return { ok: false, eof: false, message: `json: cannot unmarshal ${kind} into Go value of type api.${structName}` };
  }
  const fields: Record<string, unknown> = {};
  const obj = value as Record<string, unknown>;
  for (const [name, type] of Object.entries(types)) {
    const key = name in obj ? name : Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) continue;
    const v = obj[key];
    if (!fits(type, v)) {
      return { ok: false, eof: false, message: `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${structName}.${name} of type ${GO_TYPE_NAME[type]}` };
    }
    if (v !== null) fields[name] = v;
  }
  return { ok: true, fields };
}

/** Go's json.Marshal escaping of <, > and & (gin's c.JSON), on top of JSON.stringify. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function str(fields: Record<string, unknown>, name: string): string {
  const v = fields[name];
  return typeof v === 'string' ? v : '';
}
