// Shared by the tests: the verifier's modules and the fixtures (real receipts, keys and checkpoints from a seeded server).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MODULES = new URL('../../src/DataExchange.Server/Explorer/wwwroot/js/verify/', import.meta.url);
const FIXTURES = new URL('./fixtures/', import.meta.url);

export const fixtureText = (name) => readFileSync(fileURLToPath(new URL(name, FIXTURES)), 'utf8');
export const fixtureJson = (name) => JSON.parse(fixtureText(name));
export const hexOf = (b) => Buffer.from(b).toString('hex');
export const bytes = (s) => new TextEncoder().encode(s);

/** The exchange's verifier keys of the SHA-256 log (as `dx ledger keys --out` wrote them). */
export const KEYS = ['keys/dataexchange-ed25519.vkey', 'keys/dataexchange-sm2.vkey'].map((f) => fixtureText(f).trim());
export const SM3_KEYS = ['sm3/keys/dataexchange-ed25519.vkey', 'sm3/keys/dataexchange-sm2.vkey'].map((f) => fixtureText(f).trim());
export const WITNESS = fixtureText('witness/witness.vkey').trim();
