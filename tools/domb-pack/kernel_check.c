/* domb-pack: check a kernel image with the builder's own code before packing it. */
#include "kernel_check.h"

#include <builder/elf.h>
#include <builder/pvh.h>
#include <decompress/bzimage.h>
#include <domb/byteorder.h>
#include <stdio.h>
#include <stdlib.h>

#define UNPACK_MAX (1ULL << 30) /* vm.c's VM_UNPACK_MAX: Xen's own cap since XSA-25 */

/* The builder's checks on a parsed ELF for the guest's type (build.c, build_pvh.c). */
static int check_elf(const uint8_t *data, size_t size, enum vm_type type, uint32_t memory_mib,
                     char *why, size_t why_size)
{
    static struct elf_image img; /* large */
    struct domb_error err;
    uint64_t low = (uint64_t)memory_mib << 20;

    if (elf_parse(&img, data, size, &err) != 0) {
        snprintf(why, why_size, "%s", err.msg);
        return -1;
    }
    if (type == VM_TYPE_PV && elf_check_pv(&img, &err) != 0) {
        snprintf(why, why_size, "%s", err.msg);
        return -1;
    }
    if (low > PVH_HOLE_START)
        low = PVH_HOLE_START;
    if (type == VM_TYPE_PVH && elf_check_pvh(&img, low, PVH_HOLE_START, &err) != 0) {
        snprintf(why, why_size, "%s", err.msg);
        return -1;
    }
    return 0;
}

int kernel_check(const uint8_t *img, size_t len, enum vm_type type, uint32_t memory_mib, char *why,
                 size_t why_size)
{
    const uint8_t *payload;
    size_t payload_len, out_len;
    uint64_t want, cap = UNPACK_MAX;
    union decompress_work *work;
    struct domb_error err;
    uint8_t *out;
    int rc;

    if (!bzimage_probe(img, len))
        return check_elf(img, len, type, memory_mib, why, why_size);
    /* As vm_unpack_kernel: sized by Linux's appended uncompressed length. */
    if (bzimage_payload(img, len, &payload, &payload_len, &err) != 0) {
        snprintf(why, why_size, "%s", err.msg);
        return -1;
    }
    if (payload_len < 4) {
        snprintf(why, why_size, "bzImage payload of %zu bytes is too short", payload_len);
        return -1;
    }
    want = get_le32(payload + payload_len - 4);
    if (cap > (uint64_t)memory_mib << 20)
        cap = (uint64_t)memory_mib << 20;
    if (want == 0 || want > cap) {
        snprintf(why, why_size,
                 "bzImage unpacks to %llu bytes, more than the %llu allowed (1 GiB, "
                 "and no more than the guest's memory)",
                 (unsigned long long)want, (unsigned long long)cap);
        return -1;
    }
    out = malloc(want);
    work = malloc(sizeof(*work));
    if (!out || !work) {
        free(out);
        free(work);
        snprintf(why, why_size, "no memory to unpack the bzImage (%llu bytes)",
                 (unsigned long long)want);
        return -1;
    }
    rc = bzimage_extract(img, len, out, want, &out_len, work, &err);
    if (rc != 0)
        snprintf(why, why_size, "bzImage: %s", err.msg);
    else
        rc = check_elf(out, out_len, type, memory_mib, why, why_size);
    free(out);
    free(work);
    return rc ? -1 : 0;
}
