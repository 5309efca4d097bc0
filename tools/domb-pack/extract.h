/*
 * Pack-time kernel extraction: the vmlinux ELF inside a bzImage, unpacked on
 * the host with Debian's liblzma and zlib instead of in the builder
 * (docs/linux-guests.md). The setup header is read by the builder's own
 * bzimage_payload(); the payload is decoded by the reference libraries, so
 * comparing this with bzimage_extract() checks our decoders against them.
 */
#ifndef DOMB_PACK_EXTRACT_H
#define DOMB_PACK_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

/* The largest ELF we unpack (what the builder allows, VM_UNPACK_MAX). */
#define EXTRACT_MAX_OUTPUT (1u << 30)

/* What a kernel image is: "bzImage (xz)", "bzImage (gzip)", "bzImage (zstd)",
 * "ELF" or "unknown" (a static string). */
const char *extract_kernel_kind(const uint8_t *img, size_t len);

/*
 * Unpack the ELF from bzImage img[0..len). On success returns 0 with a
 * malloc'd *elf of *elf_len bytes. On failure returns -1 with a sentence in
 * why ("payload: xz: liblzma: compressed data is corrupt").
 */
int extract_kernel(const uint8_t *img, size_t len, uint8_t **elf, size_t *elf_len, char *why,
                   size_t why_size);

#endif
