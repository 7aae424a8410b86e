import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/**
 * Streaming digest of a response body. One implementation (@noble/hashes, pure
 * JS) serves Node and workerd, so both runtimes compute byte-identical digests
 * by the same code; neither node:crypto nor WebCrypto (no MD5, no streaming) is needed.
 */
export type HashAlgorithm = 'md5' | 'sha256';

export interface Hasher {
  update(bytes: Uint8Array): void;
  /** Lowercase hex, as keepalived's genhash prints it. */
  digestHex(): string;
}

export type CreateHasher = (alg: HashAlgorithm) => Hasher;

export const createHasher: CreateHasher = (alg) => {
  const h = alg === 'md5' ? md5.create() : sha256.create();
  return {
    update: (bytes) => {
      h.update(bytes);
    },
    digestHex: () => bytesToHex(h.digest()),
  };
};
