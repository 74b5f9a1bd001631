export const KEY = 'sim-secret-key';

export function auth(token = KEY): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

export async function call(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string; raw?: string; signal?: AbortSignal } = {},
): Promise<{ status: number; text: string; json: any; headers: Headers }> {
  const res = await fetch(base + path, {
    method: init.method ?? 'GET',
    headers: auth(init.token),
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    signal: init.signal,
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
