/*
 * Pack-time kernel checks: does an image boot as the guest its config
 * describes? The same code the builder runs at boot decides
 * (bzimage_extract, elf_parse, elf_check_pv, elf_check_pvh), so domb-pack
 * refuses now what db-boot would refuse later.
 */
#ifndef DOMB_PACK_KERNEL_CHECK_H
#define DOMB_PACK_KERNEL_CHECK_H

#include <proto/vm_config.h>
#include <stddef.h>
#include <stdint.h>

/*
 * 0 when img[0..len) boots as a `type` guest of memory_mib MiB: a Xen ELF
 * (64-bit for PV; with XEN_ELFNOTE_PHYS32_ENTRY and its segments below the
 * ACPI hole for PVH), or a bzImage whose ELF is one (unpacked as vm.c
 * does: by its appended length, at most 1 GiB and the guest's memory).
 * Else -1 and a sentence in why ("image is 40 bytes, shorter than the
 * 64-byte ELF header").
 */
int kernel_check(const uint8_t *img, size_t len, enum vm_type type, uint32_t memory_mib, char *why,
                 size_t why_size);

#endif
