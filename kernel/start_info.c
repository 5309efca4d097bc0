/* start_info validation: everything Xen or a builder handed us is checked before use. */
#include <domb/errno.h>
#include <kernel/start_info.h>

#define SIF_KNOWN                                                                                  \
    (SIF_PRIVILEGED | SIF_INITDOMAIN | SIF_MULTIBOOT_MOD | SIF_MOD_START_PFN |                     \
     SIF_VIRT_P2M_4TOOLS | SIF_PM_MASK)

static bool canonical(uint64_t va)
{
    uint64_t top = va >> 47;

    return top == 0 || top == 0x1ffff;
}

/* Is [va, va+len) inside the domain's initial virtual area? */
static bool in_area(uint64_t va, uint64_t len, uint64_t base, uint64_t span)
{
    uint64_t end;

    if (va < base || add_overflows_u64(va, len, &end))
        return false;
    return end - base <= span;
}

int start_info_validate(const start_info_t *si, uint64_t virt_base, struct domb_error *err)
{
    static const char magic[] = "xen-3.0-x86_64";
    uint64_t span;

    if (memcmp(si->magic, magic, sizeof(magic) - 1) != 0)
        return domb_error_set(err, -XEN_EINVAL, "start_info: bad magic \"%.*s\" (want \"%s\")",
                              (int)strnlen(si->magic, sizeof(si->magic)), si->magic, magic);
    if (si->nr_pages == 0 || si->nr_pages > START_INFO_MAX_PAGES)
        return domb_error_set(err, -XEN_EINVAL, "start_info: nr_pages %lu out of range (1..%llu)",
                              si->nr_pages, START_INFO_MAX_PAGES);
    span = si->nr_pages << PAGE_SHIFT;
    if (si->flags & ~(uint32_t)SIF_KNOWN)
        return domb_error_set(err, -XEN_EINVAL, "start_info: unknown flags 0x%x",
                              si->flags & ~(uint32_t)SIF_KNOWN);
    if (si->shared_info == 0 || (si->shared_info & ~PAGE_MASK))
        return domb_error_set(err, -XEN_EINVAL,
                              "start_info: shared_info 0x%lx is not a page-aligned machine address",
                              si->shared_info);
    if (si->nr_pt_frames == 0 || si->nr_pt_frames > si->nr_pages)
        return domb_error_set(err, -XEN_EINVAL, "start_info: nr_pt_frames %lu out of range",
                              si->nr_pt_frames);
    if (!canonical(si->pt_base) || (si->pt_base & ~PAGE_MASK) ||
        !in_area(si->pt_base, si->nr_pt_frames * PAGE_SIZE, virt_base, span))
        return domb_error_set(err, -XEN_EINVAL,
                              "start_info: pt_base 0x%lx (+%lu frames) outside the initial area",
                              si->pt_base, si->nr_pt_frames);
    if (!canonical(si->mfn_list) || (si->mfn_list & 7) ||
        (!(si->flags & SIF_VIRT_P2M_4TOOLS) &&
         !in_area(si->mfn_list, si->nr_pages * sizeof(xen_pfn_t), virt_base, span)))
        return domb_error_set(err, -XEN_EINVAL,
                              "start_info: mfn_list 0x%lx not a mapped array of %lu entries",
                              si->mfn_list, si->nr_pages);
    if (si->mod_len != 0) {
        uint64_t end;

        if (si->flags & SIF_MOD_START_PFN) {
            uint64_t pages = round_up_page(si->mod_len) >> PAGE_SHIFT;

            if (add_overflows_u64(si->mod_start, pages, &end) || end > si->nr_pages)
                return domb_error_set(err, -XEN_EINVAL,
                                      "start_info: module pfn 0x%lx + %lu bytes beyond memory",
                                      si->mod_start, si->mod_len);
        } else if (si->mod_start == 0 || !in_area(si->mod_start, si->mod_len, virt_base, span)) {
            return domb_error_set(err, -XEN_EINVAL,
                                  "start_info: module 0x%lx + %lu bytes outside the initial area",
                                  si->mod_start, si->mod_len);
        }
    }
    if (strnlen((const char *)si->cmd_line, sizeof(si->cmd_line)) == sizeof(si->cmd_line))
        return domb_error_set(err, -XEN_EINVAL, "start_info: cmd_line not NUL-terminated");
    if (!(si->flags & SIF_INITDOMAIN) && si->console.domU.mfn == 0)
        return domb_error_set(err, -XEN_EINVAL, "start_info: domU without a console page");
    return 0;
}

void start_info_flags_string(uint32_t flags, char *buf, size_t size)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {SIF_PRIVILEGED, "PRIVILEGED"},       {SIF_INITDOMAIN, "INITDOMAIN"},
        {SIF_MULTIBOOT_MOD, "MULTIBOOT_MOD"}, {SIF_MOD_START_PFN, "MOD_START_PFN"},
        {SIF_VIRT_P2M_4TOOLS, "VIRT_P2M"},
    };
    size_t len = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (flags & names[i].bit) {
            int n = domb_snprintf(buf + len, size - len, "%s%s", len ? "|" : "", names[i].name);
            if (n < 0 || (size_t)n >= size - len)
                return;
            len += (size_t)n;
        }
    }
    if (len == 0)
        domb_snprintf(buf, size, "none");
}
