/**
 * Finds where in a JSON text a value lives, so an error about `optimizer.lr` can be underlined at the `lr`
 * line, and where a syntax error is (JSON.parse in Node 20 no longer says). A small recursive-descent
 * scanner that keeps offsets; it accepts strict JSON only, like the experiment loader.
 */

export interface JsonNode {
  type: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  offset: number;
  length: number;
  /** For a property value: where its key string starts and its length (with quotes). */
  keyOffset?: number;
  keyLength?: number;
  children?: { key: string | number; node: JsonNode }[];
}

export interface JsonSyntaxError {
  offset: number;
  message: string;
}

export function parseJsonTree(text: string): { root?: JsonNode; error?: JsonSyntaxError } {
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw Object.assign(new Error(message), { jsonOffset: at });
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const describe = (at: number) => (at >= text.length ? 'end of file' : JSON.stringify(text[at]));

  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape in string', i);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('invalid escape in string', i);
      } else if (c < ' ') fail('control character or line break inside a string', i);
      else i++;
    }
    return fail('unterminated string', start);
  };

  const value = (): JsonNode => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const children: JsonNode['children'] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { type: 'object', offset: start, length: i - start, children };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe(i)}`);
        const keyOffset = i;
        const key = str();
        const keyLength = i - keyOffset;
        ws();
        if (text[i] !== ':') fail(`expected ':' after property name "${key}", found ${describe(i)}`);
        i++;
        const node = value();
        node.keyOffset = keyOffset;
        node.keyLength = keyLength;
        children.push({ key, node });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { type: 'object', offset: start, length: i - start, children };
        }
        fail(`expected ',' or '}' after property "${key}", found ${describe(i)}`);
      }
    }
    if (c === '[') {
      i++;
      const children: JsonNode['children'] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { type: 'array', offset: start, length: i - start, children };
      }
      for (let k = 0; ; k++) {
        const node = value();
        children.push({ key: k, node });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { type: 'array', offset: start, length: i - start, children };
        }
        fail(`expected ',' or ']' after array element, found ${describe(i)}`);
      }
    }
    if (c === '"') {
      str();
      return { type: 'string', offset: start, length: i - start };
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0].length > 0 && m[0] !== '-') {
      i += m[0].length;
      return { type: 'number', offset: start, length: m[0].length };
    }
    for (const [word, type] of [['true', 'boolean'], ['false', 'boolean'], ['null', 'null']] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { type, offset: start, length: word.length };
      }
    }
    return fail(`expected a value, found ${describe(i)}`);
  };

  try {
    // A byte-order mark is not JSON but editors write it; skip it like the loader should.
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    const root = value();
    ws();
    if (i < text.length) fail(`unexpected ${describe(i)} after the end of the JSON value`);
    return { root };
  } catch (e) {
    const off = (e as { jsonOffset?: number }).jsonOffset;
    if (off === undefined) throw e;
    return { error: { offset: off, message: (e as Error).message } };
  }
}

/**
 * Splits an error path into segments. Accepts a JSON pointer (`/optimizer/lr`, as Ajv reports it), a dotted
 * path (`optimizer.lr`, `data.x[0][1]`, `model.layers.layer1.in`) or the root (`''`, `/`, `$`).
 */
export function pathSegments(path: string): string[] {
  const p = path.trim();
  if (p === '' || p === '/' || p === '$' || p === '#') return [];
  if (p.startsWith('/') || p.startsWith('#/')) {
    return p
      .replace(/^#?\//, '')
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  const out: string[] = [];
  const re = /([^.[\]]+)|\[(\d+|"[^"]*"|'[^']*')\]/g;
  for (const m of p.replace(/^\$\.?/, '').matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(m[2].replace(/^["']|["']$/g, ''));
  }
  return out;
}

/** The node at `segments`, or the deepest existing ancestor when the path goes past what exists (a missing property). */
export function findNode(root: JsonNode, segments: readonly string[]): { node: JsonNode; exact: boolean } {
  let node = root;
  for (const seg of segments) {
    const child = node.children?.find((c) => String(c.key) === seg);
    if (!child) return { node, exact: false };
    node = child.node;
  }
  return { node, exact: true };
}

export interface TextRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** 0-based line and character of an offset. */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  const end = Math.min(Math.max(0, offset), text.length);
  for (let k = 0; k < end; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, character: end - lineStart };
}

/**
 * The range to underline for an error at `path`: the property key and its value when the value fits on its
 * line, else just the key; the whole value for an array element; the start of the file when the text is not JSON.
 */
export function locatePath(text: string, path: string): TextRange {
  const tree = parseJsonTree(text);
  if (!tree.root) {
    const off = tree.error?.offset ?? 0;
    return { start: positionAt(text, off), end: positionAt(text, off + 1) };
  }
  const { node } = findNode(tree.root, pathSegments(path));
  const from = node.keyOffset ?? node.offset;
  let to = node.offset + node.length;
  const startPos = positionAt(text, from);
  let endPos = positionAt(text, to);
  if (endPos.line !== startPos.line) {
    // A multi-line object or array: underline its key (or opening bracket) only, not the whole block.
    to = node.keyOffset !== undefined ? node.keyOffset + (node.keyLength ?? 1) : node.offset + 1;
    endPos = positionAt(text, to);
  }
  return { start: startPos, end: endPos };
}
