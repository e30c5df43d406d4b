/** The interpreter for tracing: gradientDebugger.pythonPath, else the Python extension's selection, else python3. */
import * as vscode from 'vscode';
import { choosePython } from '../../tracer/python';

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath?(resource?: vscode.Uri): { path: string } | undefined };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined };
}

/** The Python extension's selected interpreter, when the extension is installed and answers. */
async function fromPythonExtension(resource: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const p = api?.environments?.getActiveEnvironmentPath?.(resource)?.path;
    if (p && p !== 'python') return p;
    const cmd = api?.settings?.getExecutionDetails?.(resource)?.execCommand;
    if (cmd && cmd.length === 1 && cmd[0]) return cmd[0];
  } catch {
    // An extension that fails to answer is the same as none.
  }
  return undefined;
}

export async function resolvePython(setting: string, resource: vscode.Uri): Promise<{ path: string; from: string }> {
  if (setting.trim()) return choosePython({ setting });
  return choosePython({ pythonExtension: await fromPythonExtension(resource) });
}
