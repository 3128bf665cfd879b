// The webview side of the message channel, typed. acquireVsCodeApi may be called once per page, so it is kept here.

interface VsCodeApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

export function channel<ToHost, State>() {
  const api = acquireVsCodeApi<State>();
  return {
    post: (m: ToHost) => api.postMessage(m),
    getState: () => api.getState(),
    setState: (s: State) => api.setState(s),
  };
}
