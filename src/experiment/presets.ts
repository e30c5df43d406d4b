/** The presets shipped with the extension: real files, `presets/<name>.gradexp.json`. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecFile, type LoadResult } from './load';

const SUFFIX = '.gradexp.json';

/** The presets folder, found from wherever this code was bundled or compiled to (dist/, out/src/experiment/). */
export const PRESETS_DIR: string = (() => {
  for (const rel of ['../presets', '../../presets', '../../../presets']) {
    const p = join(__dirname, rel);
    if (existsSync(join(p, `seed-broadcast${SUFFIX}`))) return p;
  }
  return join(__dirname, '../presets');
})();

/** Display order: the story of the seed bug first. */
const ORDER = ['seed-broadcast', 'seed-fixed', 'seed-1d-weight', 'unscaled', 'standardized', 'lr-diverges', 'forgotten-zero-grad', 'mlp', 'csv-example'];

export interface PresetInfo {
  name: string;
  title: string;
  description?: string;
  file: string;
}

export function listPresets(dir = PRESETS_DIR): PresetInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).map((f) => f.slice(0, -SUFFIX.length));
  } catch {
    return [];
  }
  names.sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  return names.map((name) => {
    const file = join(dir, name + SUFFIX);
    let title = name;
    let description: string | undefined;
    try {
      const j = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; description?: string };
      title = j.name ?? name;
      description = j.description;
    } catch {
      /* listed anyway; loading it will report the error */
    }
    return { name, title, description, file };
  });
}

export function presetFile(name: string, dir = PRESETS_DIR): string | undefined {
  if (!/^[a-z0-9-]+$/.test(name)) return undefined;
  const f = join(dir, name + SUFFIX);
  return existsSync(f) ? f : undefined;
}

export function loadPreset(name: string, dir = PRESETS_DIR): LoadResult {
  const f = presetFile(name, dir);
  if (!f) return { ok: false, errors: [{ path: '', message: `unknown preset "${name}"; presets: ${listPresets(dir).map((p) => p.name).join(', ')}` }] };
  return loadSpecFile(f);
}
