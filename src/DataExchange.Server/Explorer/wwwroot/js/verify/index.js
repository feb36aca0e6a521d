// Public API of the in-browser receipt verifier (no dependencies, no network). See README.md beside this file.
export { verifyReceipt, verifyConsistency, verifyCheckpoint, verifySealedText, FORMAT } from './receipt.js';
export { parseNote, parseCheckpoint, verifyNote, verifyCosignature, parseVerifierKey, keyFromSpki, toKey } from './note.js';
export { SHA256, SM3, hashLeaf, treeHash, rootFromInclusionProof, verifyInclusion, verifyConsistency as verifyConsistencyProof } from './merkle.js';
export { sm3 } from './sm3.js';
export { sm2Verify } from './sm2.js';
export { parseJson, canonicalize, parseCanonical } from './jcs.js';
