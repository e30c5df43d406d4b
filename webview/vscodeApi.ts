/** The one channel to the extension host. acquireVsCodeApi may be called only once per page load. */
import type { PanelState, WebviewMessage } from '../src/protocol';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface HostChannel {
  post(msg: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

export function hostChannel(): HostChannel {
  const api = acquireVsCodeApi();
  return {
    post: (msg) => api.postMessage(msg),
    getState: () => api.getState(),
    setState: (s) => api.setState(s),
  };
}
