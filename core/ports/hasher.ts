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

/** One object per digest, no closures: this runs once per HTTP check. */
class NobleHasher implements Hasher {
  constructor(private readonly h: ReturnType<typeof md5.create> | ReturnType<typeof sha256.create>) {}
  update(bytes: Uint8Array): void {
    // The chunk is hashed in place (noble reads whole blocks straight from it); never copied first.
    this.h.update(bytes);
  }
  digestHex(): string {
    return bytesToHex(this.h.digest());
  }
}

export const createHasher: CreateHasher = (alg) => new NobleHasher(alg === 'md5' ? md5.create() : sha256.create());
