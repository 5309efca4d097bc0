/*
 * memorywalk: checks that the builder built this domain right, from the
 * inside. Every start_info field is checked against what the guest can
 * verify itself; the p2m and m2p must agree for every frame; the bootstrap
 * page tables must map the boot area with the right permissions (page-table
 * frames read-only); every page it owns is written and read back; and its
 * ramdisk must hash to the SHA-256 given on its command line.
 *
 * Booted as PVH (the same image), there is no start_info, p2m or Xen-owned
 * page table: it checks hvm_start_info and its memory map instead (RAM
 * against memorywalk.mib, console and xenstore frames outside RAM, their
 * ports live), walks its own page tables (every RAM frame mapped to itself
 * in the direct map, nothing at virtual 0 or past RAM), hashes the first
 * module, and writes and reads back every free page just the same.
 *
 * Command line: [memorywalk.mib=N] [memorywalk.ramdisk_sha256=HEX
 * memorywalk.ramdisk_len=N]. With memorywalk.mib, the memory Xen gave must
 * be exactly N MiB; without it, the size start_info (PVH: the memory map)
 * reports is taken as the one to check. Any size works: every free page is
 * walked through a list threaded through the pages themselves. Prints
 * exactly one "Test result:" line.
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

/* memorywalk.mib, or (without it) the size the boot information reports. */
static uint64_t expected_mib(uint64_t pages)
{
    uint64_t mib = cmdline_u64("memorywalk.mib", 0);

    if (mib)
        return mib;
    printk("memorywalk: no memorywalk.mib on the command line: checking the %lu MiB the boot "
           "information reports\n",
           pages >> 8);
    return pages >> 8;
}

static void check_start_info(const start_info_t *si)
{
    uint64_t mib = expected_mib(si->nr_pages);
    uint64_t pt_pfn = pfn_x(virt_to_pfn((void *)si->pt_base));
    uint64_t con_pfn = pfn_x(mfn_to_pfn(_mfn(si->console.domU.mfn)));
    uint64_t store_pfn = pfn_x(mfn_to_pfn(_mfn(si->store_mfn)));

    CHECK(memcmp(si->magic, "xen-3.0-x86_64", 14) == 0, "magic \"%.32s\"", si->magic);
    CHECK(si->nr_pages == mib * 256 ||
              (!cmdline_u64("memorywalk.mib", 0) && si->nr_pages >> 8 == mib),
          "nr_pages %lu, expected %lu", si->nr_pages, mib * 256);
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
    /* The command line carries memorywalk.mib when there is one. */
    CHECK(si->cmd_line[0] != '\0' || !cmdline_u64("memorywalk.mib", 0), "empty cmd_line");
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

/* The ramdisk: start_info's module in PV, the first hvm_start_info module
 * in PVH. */
static void check_ramdisk(const uint8_t *module, uint64_t mod_len)
{
    char want[SHA256_HEX_LEN + 1], got[SHA256_HEX_LEN + 1];
    uint8_t digest[SHA256_DIGEST_SIZE];
    uint64_t len = cmdline_u64("memorywalk.ramdisk_len", 0);

    if (!cmdline_get(boot_info.cmdline, "memorywalk.ramdisk_sha256", want, sizeof(want))) {
        CHECK(mod_len == 0, "unexpected module of %lu bytes", mod_len);
        return;
    }
    CHECK(mod_len == len, "mod_len %lu, expected %lu", mod_len, len);
    if (!module || mod_len == 0)
        return;
    sha256(module, mod_len, digest);
    sha256_to_hex(digest, got);
    CHECK(strcmp(got, want) == 0, "ramdisk sha256 %s, expected %s", got, want);
    if (strcmp(got, want) == 0)
        printk("memorywalk: ramdisk %lu bytes, sha256 matches\n", mod_len);
}

/* ---- PVH: hvm_start_info, the memory map, our own page tables ---- */

extern char _image_end[];

/* Is frame p inside a RAM entry of the memory map? */
static bool pvh_is_ram(const struct pvh_boot *b, uint64_t p)
{
    for (uint32_t i = 0; i < b->memmap_entries; i++) {
        const struct hvm_memmap_table_entry *e = &b->memmap[i];

        if (e->type == XEN_HVM_MEMMAP_TYPE_RAM && (p << PAGE_SHIFT) >= e->addr &&
            (p << PAGE_SHIFT) + PAGE_SIZE <= e->addr + e->size)
            return true;
    }
    return false;
}

static void check_pvh_start_info(const struct boot_pvh *pvh)
{
    const struct pvh_boot *b = &pvh->start;
    uint64_t mib = expected_mib(b->ram_pages);
    uint64_t image_pfns = pfn_x(virt_to_pfn(_image_end));
    uint64_t con = pfn_x(pvh->console_pfn), store = pfn_x(pvh->store_pfn);

    for (uint32_t i = 0; i < b->memmap_entries; i++)
        printk("memorywalk: memmap %u: 0x%lx-0x%lx type %u\n", i, b->memmap[i].addr,
               b->memmap[i].addr + b->memmap[i].size - 1, b->memmap[i].type);
    CHECK(b->si->magic == XEN_HVM_START_MAGIC_VALUE && b->si->version >= 1,
          "start info magic 0x%x version %u", b->si->magic, b->si->version);
    CHECK(b->ram_pages == mib * 256 ||
              (!cmdline_u64("memorywalk.mib", 0) && b->ram_pages >> 8 == mib),
          "%lu RAM pages in the memory map, expected %lu", b->ram_pages, mib * 256);
    CHECK(!(b->si->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN)), "flags 0x%x claim privilege",
          b->si->flags);
    CHECK(b->max_pfn <= DIRECT_MAP_MAX_PAGES && pvh_is_ram(b, b->max_pfn - 1),
          "highest RAM frame 0x%lx", b->max_pfn - 1);
    /* The special pages must not be RAM we could hand out, nor our image. */
    CHECK(con >= image_pfns && !pvh_is_ram(b, con), "console pfn 0x%lx is RAM or our image", con);
    CHECK(store >= image_pfns && !pvh_is_ram(b, store), "store pfn 0x%lx is RAM or our image",
          store);
    CHECK(con != store, "console and store share a frame");
    CHECK(pvh->console_evtchn != 0 && pvh->store_evtchn != 0 &&
              pvh->console_evtchn != pvh->store_evtchn,
          "event channels console %u store %u", pvh->console_evtchn, pvh->store_evtchn);
    evtchn_port_t ports[2] = {pvh->console_evtchn, pvh->store_evtchn};
    for (int i = 0; i < 2; i++) {
        struct evtchn_status st = {.dom = DOMID_SELF, .port = ports[i]};
        int rc = hypercall_event_channel_op(EVTCHNOP_status, &st);
        CHECK(rc == 0 && (st.status == EVTCHNSTAT_unbound || st.status == EVTCHNSTAT_interdomain),
              "port %u: status rc %d state %u", ports[i], rc, st.status);
    }
    CHECK(boot_info.shared_info == (void *)mm_shared_info() &&
              boot_info.shared_info->vcpu_info[0].time.version % 2 == 0 && time_now_ns() != 0,
          "shared_info is not a live shared_info page");
    CHECK(b->cmdline[0] != '\0' || !cmdline_u64("memorywalk.mib", 0), "empty command line");
}

/* Our own tables: every RAM frame mapped to itself in the direct map,
 * writable; nothing at virtual 0 (the entry's identity map is gone) or
 * past the end of RAM; our code executable. */
static void check_pvh_page_tables(const struct pvh_boot *b)
{
    uint64_t checked = 0, bad = 0, pte;
    uint64_t end_2m = (b->max_pfn + 511) & ~511UL;
    bool w;

    for (uint64_t p = 0; p < b->max_pfn; p++) {
        uint64_t va = (uint64_t)pfn_to_virt(_pfn(p)), paddr;
        bool writable;
        int level;

        if (!pvh_is_ram(b, p))
            continue;
        level = mm_walk(va, &pte, &writable);
        paddr = level == 1   ? pte & PTE_ADDR_MASK
                : level == 2 ? (pte & PTE_ADDR_MASK & ~0x1fffffUL) | (va & 0x1fffff)
                             : ~0UL;
        if (paddr != p << PAGE_SHIFT || !writable) {
            if (bad++ < 4)
                printk("memorywalk: va 0x%lx: level %d pte 0x%lx (frame 0x%lx writable "
                       "expected)\n",
                       va, level, pte, p);
        }
        checked++;
    }
    CHECK(bad == 0, "%lu RAM frames mapped wrongly in the direct map", bad);
    CHECK(mm_walk(0, &pte, &w) == 0 && mm_walk(0xdead000, &pte, &w) == 0,
          "low virtual addresses are still mapped");
    CHECK(end_2m >= DIRECT_MAP_MAX_PAGES ||
              mm_walk((uint64_t)pfn_to_virt(_pfn(end_2m)), &pte, &w) == 0,
          "the direct map goes past the end of RAM (frame 0x%lx)", end_2m);
    CHECK(mm_walk((uint64_t)&check_pvh_page_tables, &pte, &w) != 0 && !(pte & _PAGE_NX),
          "our own code is not mapped executable");
    printk("memorywalk: PVH direct map: %lu RAM frames map to themselves\n", checked);
}

static void walk_pvh(const struct boot_info *bi)
{
    const struct boot_pvh *pvh = bi->pvh;
    const struct pvh_boot *b = &pvh->start;

    printk("memorywalk: PVH: %lu RAM pages, hvm_start_info v%u at 0x%lx, %u memory map entries, "
           "%u modules (%lu bytes)\n",
           b->ram_pages, b->si->version, (uint64_t)b->si - KERNEL_VIRT_BASE, b->memmap_entries,
           b->nr_modules, b->module_len);
    printk("memorywalk: PVH: console pfn 0x%lx port %u, xenstore pfn 0x%lx port %u\n",
           pfn_x(pvh->console_pfn), pvh->console_evtchn, pfn_x(pvh->store_pfn), pvh->store_evtchn);
    check_pvh_start_info(pvh);
    check_pvh_page_tables(b);
    check_ramdisk(b->module, b->module_len);
}

/* Write a pattern unique to each frame into every free page, then read them
 * all back: catches frames mapped twice, or not ours. The pages are kept
 * in a list whose links are their own first words, so any memory size
 * works. */
static void check_all_memory(void)
{
    struct page_alloc_stats st;
    uint64_t pages = 0, bad = 0, *head = NULL, *p, *next;

    page_alloc_stats(&kernel_pages, &st);
    while ((p = kernel_alloc_pages(1)) != NULL) {
        uint64_t tag = mfn_x(virt_to_mfn(p)) << 12;

        p[0] = (uint64_t)head;
        for (size_t w = 1; w < PAGE_SIZE / 8; w++)
            p[w] = tag | w;
        head = p;
    }
    for (p = head; p; p = (uint64_t *)p[0]) {
        uint64_t tag = mfn_x(virt_to_mfn(p)) << 12;

        for (size_t w = 1; w < PAGE_SIZE / 8; w++)
            if (p[w] != (tag | w)) {
                bad++;
                break;
            }
        pages++;
    }
    for (p = head; p; p = next) {
        next = (uint64_t *)p[0];
        kernel_free_pages(p, 1);
    }
    CHECK(pages == st.free, "allocated %lu of %lu free pages", pages, st.free);
    CHECK(bad == 0, "%lu pages did not read back", bad);
    printk("memorywalk: wrote and read back %lu pages (%lu MiB)\n", pages, pages >> 8);
}

static void walk_pv(const struct boot_info *bi)
{
    const start_info_t *si = bi->si;

    printk("memorywalk: %lu pages, pt_base 0x%lx (%lu frames), mfn_list 0x%lx, module %lu "
           "bytes\n",
           si->nr_pages, si->pt_base, si->nr_pt_frames, si->mfn_list, si->mod_len);
    check_start_info(si);
    check_p2m(si);
    check_page_tables(si);
    check_ramdisk(boot_info.module, si->mod_len);
}

int domb_main(const struct boot_info *bi)
{
    if (bi->mode == BOOT_MODE_PVH)
        walk_pvh(bi);
    else
        walk_pv(bi);
    /* In PVH "machine" frames are guest-physical: the tags stay unique. */
    check_all_memory();
    if (failures) {
        printk("Test result: FAILURE (%u checks failed)\n", failures);
        return KERNEL_EXIT_FAILURE;
    }
    printk("Test result: SUCCESS\n");
    return KERNEL_EXIT_SUCCESS;
}
