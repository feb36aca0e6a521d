// The public REST API of this exchange (same origin, no token). Errors are google.rpc.Status JSON.

export class ApiError extends Error {
  constructor(message, { status, code, reason } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.reason = reason;
  }
}

export async function get(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError('', { status: 0, reason: 'NETWORK' });
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const info = (body?.details ?? []).find((d) => String(d['@type'] ?? '').endsWith('google.rpc.ErrorInfo'));
    throw new ApiError(body?.message || text.slice(0, 200) || response.statusText, {
      status: response.status, code: body?.code, reason: info?.reason,
    });
  }
  return body ?? {};
}

export const api = {
  checkpoint: () => get('/v1/ledger/checkpoint'),
  checkpoints: () => get('/v1/ledger/checkpoints'),
  signingKeys: () => get('/v1/ledger/signingKeys'),
  witnesses: () => get('/v1/ledger/witnesses'),
  statistics: () => get('/v1/statistics'),
  consistencyProof: (firstTreeSize, secondTreeSize) => get('/v1/ledger/consistencyProof', { firstTreeSize, secondTreeSize }),
  filing: (number) => get('/v1/register/filings/' + encodeURIComponent(number)),
  searchFilings: (query, pageSize = 20) => get('/v1/register/filings:search', { query, pageSize }),
  inclusionProofUrl: (leafIndex) => '/v1/ledger/inclusionProof?leafIndex=' + encodeURIComponent(leafIndex),
};
