/*
 * memorywalk: checks that the builder built this domain right, from the
 * inside. Every start_info field is checked against what the guest can
 * verify itself; the p2m and m2p must agree for every frame; the bootstrap
 * page tables must map the boot area with the right permissions (page-table
 * frames read-only); every page it owns is written and read back; and its
 * ramdisk must hash to the SHA-256 given on its command line.
 *
 * Command line: memorywalk.mib=N [memorywalk.ramdisk_sha256=HEX
 * memorywalk.ramdisk_len=N]. Prints exactly one "Test result:" line.
 */
#include <arch/hypercall.h>
#include <arch/mm.h>
#include <kernel/console.h>
#include <kernel/kernel.h>
#include <domb/sha256.h>
#include <kernel/time.h>

static unsigned int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printk("memorywalk: FAIL: " __VA_ARGS__);                                              \
            printk("\n");                                                                          \
        }                                                                                          \
    } while (0)

static bool in_range(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v >= lo && v < hi;
}

static uint64_t cmdline_u64(const char *key, uint64_t dflt)
{
    char buf[32];
    uint64_t v;

    if (cmdline_get(boot_info.cmdline, key, buf, sizeof(buf)) && parse_u64(buf, &v))
        return v;
    return dflt;
}

static void check_start_info(const start_info_t *si)
{
    uint64_t mib = cmdline_u64("memorywalk.mib", 0);
    uint64_t pt_pfn = pfn_x(virt_to_pfn((void *)si->pt_base));
    uint64_t con_pfn = pfn_x(mfn_to_pfn(_mfn(si->console.domU.mfn)));
    uint64_t store_pfn = pfn_x(mfn_to_pfn(_mfn(si->store_mfn)));

    CHECK(memcmp(si->magic, "xen-3.0-x86_64", 14) == 0, "magic \"%.32s\"", si->magic);
    CHECK(mib != 0, "memorywalk.mib missing from the command line");
    CHECK(si->nr_pages == mib * 256, "nr_pages %lu, expected %lu", si->nr_pages, mib * 256);
    CHECK(!(si->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN)), "flags 0x%x claim privilege",
          si->flags);
    CHECK(in_range(con_pfn, 0, si->nr_pages) &&
              mfn_x(pfn_to_mfn(_pfn(con_pfn))) == si->console.domU.mfn,
          "console mfn 0x%lx is not ours (pfn 0x%lx)", si->console.domU.mfn, con_pfn);
    CHECK(in_range(store_pfn, 0, si->nr_pages) &&
              mfn_x(pfn_to_mfn(_pfn(store_pfn))) == si->store_mfn,
          "store mfn 0x%lx is not ours (pfn 0x%lx)", si->store_mfn, store_pfn);
    CHECK(con_pfn != store_pfn, "console and store share a frame");
    CHECK(si->console.domU.evtchn != 0 && si->store_evtchn != 0 &&
              si->console.domU.evtchn != si->store_evtchn,
          "event channels console %u store %u", si->console.domU.evtchn, si->store_evtchn);
    /* Both event channels must be real ports of ours bound for dom0. */
    evtchn_port_t ports[2] = {si->console.domU.evtchn, si->store_evtchn};
    for (int i = 0; i < 2; i++) {
        struct evtchn_status st = {.dom = DOMID_SELF, .port = ports[i]};
        int rc = hypercall_event_channel_op(EVTCHNOP_status, &st);
        CHECK(rc == 0 && (st.status == EVTCHNSTAT_unbound || st.status == EVTCHNSTAT_interdomain),
              "port %u: status rc %d state %u", ports[i], rc, st.status);
    }
    CHECK(si->nr_pt_frames >= 4 && pt_pfn + si->nr_pt_frames <= si->nr_pages,
          "page tables pfn 0x%lx + %lu frames", pt_pfn, si->nr_pt_frames);
    CHECK(si->shared_info != 0 && boot_info.shared_info->vcpu_info[0].time.version % 2 == 0 &&
              time_now_ns() != 0,
          "shared_info 0x%lx not a live shared_info page", si->shared_info);
    CHECK(si->cmd_line[0] != '\0', "empty cmd_line");
}

/* p2m and Xen's m2p must be inverse of each other for every frame. */
static void check_p2m(const start_info_t *si)
{
    const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
    unsigned int bad = 0;

    for (uint64_t p = 0; p < si->nr_pages; p++) {
        if (pfn_x(mfn_to_pfn(_mfn(p2m[p]))) != p && bad++ < 4)
            printk("memorywalk: pfn 0x%lx -> mfn 0x%lx -> pfn 0x%lx\n", p, p2m[p],
                   pfn_x(mfn_to_pfn(_mfn(p2m[p]))));
    }
    CHECK(bad == 0, "%u frames where p2m and m2p disagree", bad);
}

/* The bootstrap mapping: every page from the image start to the boot stack
 * must be mapped to its own frame; page-table frames read-only, the rest
 * writable. */
static void check_page_tables(const start_info_t *si)
{
    uint64_t pt_first = pfn_x(virt_to_pfn((void *)si->pt_base));
    uint64_t pt_end = pt_first + si->nr_pt_frames;
    unsigned int bad = 0;

    for (uint64_t p = 0; p < pt_end + 1; p++) {
        uint64_t va = KERNEL_VIRT_BASE + (p << PAGE_SHIFT), pte;
        bool writable;
        int level = mm_walk(va, &pte, &writable);
        bool is_pt = p >= pt_first && p < pt_end;

        if (va == (uint64_t)boot_info.shared_info)
            continue; /* our kernel points this page at shared_info */

        if (level != 1 || ((pte & PTE_ADDR_MASK) >> PAGE_SHIFT) != mfn_x(pfn_to_mfn(_pfn(p))) ||
            writable == is_pt) {
            if (bad++ < 4)
                printk("memorywalk: va 0x%lx: level %d pte 0x%lx (%s expected)\n", va, level, pte,
                       is_pt ? "read-only page table" : "writable page");
        }
    }
    CHECK(bad == 0, "%u bootstrap pages mapped wrongly", bad);
    /* The entry point we run from must be in the mapping, executable. */
    uint64_t pte;
    bool w;
    CHECK(mm_walk((uint64_t)&check_page_tables, &pte, &w) == 1 && !(pte & _PAGE_NX),
          "our own code is not mapped executable");
}

static void check_ramdisk(const start_info_t *si)
{
    char want[SHA256_HEX_LEN + 1], got[SHA256_HEX_LEN + 1];
    uint8_t digest[SHA256_DIGEST_SIZE];
    uint64_t len = cmdline_u64("memorywalk.ramdisk_len", 0);

    if (!cmdline_get(boot_info.cmdline, "memorywalk.ramdisk_sha256", want, sizeof(want))) {
        CHECK(si->mod_len == 0, "unexpected module of %lu bytes", si->mod_len);
        return;
    }
    CHECK(si->mod_len == len, "mod_len %lu, expected %lu", si->mod_len, len);
    if (!boot_info.module || si->mod_len == 0)
        return;
    sha256(boot_info.module, si->mod_len, digest);
    sha256_to_hex(digest, got);
    CHECK(strcmp(got, want) == 0, "ramdisk sha256 %s, expected %s", got, want);
    if (strcmp(got, want) == 0)
        printk("memorywalk: ramdisk %lu bytes, sha256 matches\n", si->mod_len);
}

/* Write a pattern unique to each frame into every free page, then read them
 * all back: catches frames mapped twice, or not ours. */
static void check_all_memory(void)
{
    struct page_alloc_stats st;
    uint64_t pages = 0, bad = 0;
    static uint64_t *got[65536];
    uint64_t n = 0;

    page_alloc_stats(&kernel_pages, &st);
    while (n < ARRAY_SIZE(got) && (got[n] = kernel_alloc_pages(1)) != NULL)
        n++;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t tag = mfn_x(virt_to_mfn(got[i])) << 12;
        for (size_t w = 0; w < PAGE_SIZE / 8; w++)
            got[i][w] = tag | w;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t tag = mfn_x(virt_to_mfn(got[i])) << 12;
        for (size_t w = 0; w < PAGE_SIZE / 8; w++)
            if (got[i][w] != (tag | w)) {
                bad++;
                break;
            }
        pages++;
    }
    for (uint64_t i = 0; i < n; i++)
        kernel_free_pages(got[i], 1);
    CHECK(pages == st.free, "allocated %lu of %lu free pages", pages, st.free);
    CHECK(bad == 0, "%lu pages did not read back", bad);
    printk("memorywalk: wrote and read back %lu pages (%lu MiB)\n", pages, pages >> 8);
}

int domb_main(const struct boot_info *bi)
{
    const start_info_t *si = bi->si;

    printk("memorywalk: %lu pages, pt_base 0x%lx (%lu frames), mfn_list 0x%lx, module %lu "
           "bytes\n",
           si->nr_pages, si->pt_base, si->nr_pt_frames, si->mfn_list, si->mod_len);
    check_start_info(si);
    check_p2m(si);
    check_page_tables(si);
    check_ramdisk(si);
    check_all_memory();
    if (failures) {
        printk("Test result: FAILURE (%u checks failed)\n", failures);
        return KERNEL_EXIT_FAILURE;
    }
    printk("Test result: SUCCESS\n");
    return KERNEL_EXIT_SUCCESS;
}
