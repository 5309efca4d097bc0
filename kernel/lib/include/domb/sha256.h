/*
 * SHA-256 (FIPS 180-4). Used to check that the kernels and ramdisks packed
 * into the initramfs are the ones their configurations name.
 *
 * Streaming use: sha256_init, any number of sha256_update calls, then
 * sha256_final. sha256() hashes one buffer in a single call.
 */
#ifndef DOMB_SHA256_H
#define DOMB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE  64
/* Length of the lower-case hex form of a digest, without the NUL. */
#define SHA256_HEX_LEN 64

struct sha256_ctx {
    uint32_t state[8];
    uint64_t total_len; /* bytes hashed so far */
    uint8_t block[SHA256_BLOCK_SIZE];
    size_t block_len; /* bytes waiting in block[] */
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(struct sha256_ctx *ctx, uint8_t digest[SHA256_DIGEST_SIZE]);
void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_SIZE]);

/* Write the digest as 64 lower-case hex digits and a NUL into hex[65]. */
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char hex[SHA256_HEX_LEN + 1]);

#endif
