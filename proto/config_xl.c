/*
 * xl.cfg knowledge the config parser needs besides domB's own keys: the
 * reason for every xl key domB refuses, xl's HVM-only keys, key-name
 * suggestions for typos, and xl's CPULIST and UUID value forms. The keys
 * are those Xen 4.17's xl reads (tools/xl/xl_parse.c) and xl.cfg(5) lists;
 * docs/config.md gives each one's status.
 */
#include "config_xl.h"

#include <domb/errno.h>

/* Reasons shared by several keys (kept short: a message holds 160 bytes). */
#define WHY_DM          "it needs a device model (QEMU), which domB does not run: remove it"
#define WHY_PCI         "domB passes no PCI device through (iomem, ioports, irqs do): remove it"
#define WHY_DEVICES     "domB wires vif and disk devices only: remove it"
#define WHY_SCHED       "domB leaves scheduler parameters at Xen's defaults: remove it"
#define WHY_XEN_DEFAULT "domB keeps Xen's default for it: remove it"
#define WHY_TUNING      "domB takes no HVM/PVH tuning (PVH guests get HAP): remove it"
#define WHY_ARM         "it is for Arm guests, and domB builds x86 guests: remove it"
#define WHY_BOOT        "domB loads the kernel itself: give kernel (GRUB's Xen image can be one)"
#define WHY_SHIM        "domB runs PV guests directly, without the PVH shim: remove it"

static const struct {
    const char *key;
    const char *why;
} config_xl_refused[] = {
    {"bootloader", WHY_BOOT},
    {"bootloader_args", WHY_BOOT},
    {"firmware", WHY_BOOT},
    {"pci", WHY_PCI},
    {"pci_permissive", WHY_PCI},
    {"pci_msitranslate", WHY_PCI},
    {"pci_seize", WHY_PCI},
    {"pci_power_mgmt", WHY_PCI},
    {"passthrough", WHY_PCI},
    {"e820_host", WHY_PCI},
    {"vtpm", WHY_DEVICES},
    {"p9", WHY_DEVICES},
    {"pvcalls", WHY_DEVICES},
    {"vfb", WHY_DEVICES},
    {"vkb", WHY_DEVICES},
    {"vdispl", WHY_DEVICES},
    {"vsnd", WHY_DEVICES},
    {"channel", WHY_DEVICES},
    {"usbctrl", WHY_DEVICES},
    {"usbdev", WHY_DEVICES},
    {"vif2", "it is xl's old netchannel2 device: use vif"},
    {"vnc", WHY_DM},
    {"vnclisten", WHY_DM},
    {"vncdisplay", WHY_DM},
    {"vncunused", WHY_DM},
    {"vncpasswd", WHY_DM},
    {"vncviewer", WHY_DM},
    {"sdl", WHY_DM},
    {"opengl", WHY_DM},
    {"display", WHY_DM},
    {"xauthority", WHY_DM},
    {"keymap", WHY_DM},
    {"device_model", WHY_DM},
    {"device_model_version", WHY_DM},
    {"device_model_override", WHY_DM},
    {"device_model_user", WHY_DM},
    {"device_model_args", WHY_DM},
    {"device_model_args_pv", WHY_DM},
    {"device_model_args_hvm", WHY_DM},
    {"device_model_stubdomain_override", WHY_DM},
    {"device_model_stubdomain_seclabel", WHY_DM},
    {"stubdomain_kernel", WHY_DM},
    {"stubdomain_cmdline", WHY_DM},
    {"stubdomain_ramdisk", WHY_DM},
    {"stubdomain_memory", WHY_DM},
    {"dm_restrict", WHY_DM},
    {"cpu_weight", WHY_SCHED},
    {"cap", WHY_SCHED},
    {"period", WHY_SCHED},
    {"slice", WHY_SCHED},
    {"latency", WHY_SCHED},
    {"extratime", WHY_SCHED},
    {"vnuma", "domB gives guests no virtual NUMA layout: remove it"},
    {"nomigrate", "domB never migrates a guest: remove it"},
    {"max_event_channels", WHY_XEN_DEFAULT},
    {"cpuid", WHY_XEN_DEFAULT},
    {"tsc_mode", WHY_XEN_DEFAULT},
    {"msr_relaxed", WHY_XEN_DEFAULT},
    {"mca_caps", WHY_XEN_DEFAULT},
    {"vpmu", WHY_XEN_DEFAULT},
    {"vmtrace_buf_kb", WHY_XEN_DEFAULT},
    {"altp2m", WHY_XEN_DEFAULT},
    {"rtc_timeoffset", "domB does not offset guests' clocks: remove it"},
    {"hap", WHY_TUNING},
    {"oos", WHY_TUNING},
    {"shadow_memory", WHY_TUNING},
    {"nestedhvm", WHY_TUNING},
    {"timer_mode", WHY_TUNING},
    {"acpi", "a PVH guest always gets ACPI tables (xl's default): remove it"},
    {"pvshim", WHY_SHIM},
    {"pvshim_path", WHY_SHIM},
    {"pvshim_cmdline", WHY_SHIM},
    {"pvshim_extra", WHY_SHIM},
    {"gic_version", WHY_ARM},
    {"vuart", WHY_ARM},
    {"tee", WHY_ARM},
    {"device_tree", WHY_ARM},
    {"dtdev", WHY_ARM},
    {"xend_suspend_evtchn_compat",
     "it is for xend's suspend protocol; domB never suspends: remove it"},
};

/* Keys xl reads only for HVM guests (xl.cfg(5), "Fully-virtualised (HVM)
 * Guest Specific Options", and xl_parse.c's HVM branch). */
static const char *const config_xl_hvm_keys[] = {
    "boot",
    "hdtype",
    "bios",
    "bios_path_override",
    "firmware_override",
    "pae",
    "acpi_s3",
    "acpi_s4",
    "acpi_laptop_slate",
    "apic",
    "nx",
    "hpet",
    "acpi_firmware",
    "smbios_firmware",
    "ms_vm_genid",
    "mmio_hole",
    "rdm",
    "rdm_mem_boundary",
    "xen_platform_pci",
    "viridian",
    "videoram",
    "stdvga",
    "vga",
    "nographic",
    "spice",
    "spicehost",
    "spiceport",
    "spicetls_port",
    "spicedisable_ticketing",
    "spicepasswd",
    "spiceagent_mouse",
    "spicevdagent",
    "spice_clipboard_sharing",
    "spiceusbredirection",
    "spice_image_compression",
    "spice_streaming_video",
    "serial",
    "soundhw",
    "usb",
    "usbversion",
    "usbdevice",
    "vkb_device",
    "vendor_device",
    "gfx_passthru",
    "altp2mhvm",
    "vpt_align",
};

/* xl keys domB implements (for suggestions; the parser's table is authoritative). */
static const char *const config_xl_supported[] = {
    "name",
    "type",
    "builder",
    "kernel",
    "ramdisk",
    "cmdline",
    "extra",
    "root",
    "memory",
    "maxmem",
    "vcpus",
    "maxvcpus",
    "cpus",
    "cpus_soft",
    "uuid",
    "pool",
    "localtime",
    "on_poweroff",
    "on_reboot",
    "on_crash",
    "on_watchdog",
    "on_soft_reset",
    "iomem",
    "ioports",
    "irqs",
    "max_grant_frames",
    "max_maptrack_frames",
    "max_grant_version",
    "vif",
    "disk",
    "driver_domain",
};

static bool slice_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

const char *config_xl_refusal(const char *key, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(config_xl_refused); i++)
        if (slice_is(key, len, config_xl_refused[i].key))
            return config_xl_refused[i].why;
    return NULL;
}

bool config_xl_is_hvm_key(const char *key, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(config_xl_hvm_keys); i++)
        if (slice_is(key, len, config_xl_hvm_keys[i]))
            return true;
    return false;
}

/* Edit distance with adjacent transpositions, or 3 when it is more than 2. */
static unsigned int edit_distance(const char *a, size_t la, const char *b)
{
    enum { MAX = 40 };
    unsigned int d[3][MAX + 1];
    size_t lb = strlen(b);

    if (la > MAX || lb > MAX || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned int)j;
    for (size_t i = 1; i <= la; i++) {
        unsigned int *row = d[i % 3], *up = d[(i - 1) % 3], *up2 = d[(i + 1) % 3];

        row[0] = (unsigned int)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned int cost = a[i - 1] != b[j - 1], v = up[j - 1] + cost;

            if (up[j] + 1 < v)
                v = up[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                up2[j - 2] + 1 < v)
                v = up2[j - 2] + 1;
            row[j] = v;
        }
    }
    return d[la % 3][lb] > 2 ? 3 : d[la % 3][lb];
}

static void consider(const char *key, size_t len, const char *cand, const char **best,
                     unsigned int *best_d)
{
    unsigned int d = edit_distance(key, len, cand);

    if (d < *best_d && 2 * d < len) {
        *best = cand;
        *best_d = d;
    }
}

const char *config_xl_suggest(const char *key, size_t len, const char *const *known, size_t n)
{
    const char *best = NULL;
    unsigned int best_d = 3;

    for (size_t i = 0; i < n; i++)
        consider(key, len, known[i], &best, &best_d);
    for (size_t i = 0; i < ARRAY_SIZE(config_xl_supported); i++)
        consider(key, len, config_xl_supported[i], &best, &best_d);
    for (size_t i = 0; i < ARRAY_SIZE(config_xl_refused); i++)
        consider(key, len, config_xl_refused[i].key, &best, &best_d);
    for (size_t i = 0; i < ARRAY_SIZE(config_xl_hvm_keys); i++)
        consider(key, len, config_xl_hvm_keys[i], &best, &best_d);
    return best;
}

/* ---- CPULIST ---- */

static bool is_dec(char c)
{
    return c >= '0' && c <= '9';
}

/* Decimal digits at *s (at most 5), advancing *s; false if there are none. */
static bool read_cpu(const char **s, uint32_t *cpu)
{
    uint32_t v = 0;
    int n = 0;

    while (is_dec(**s) && n < 6) {
        v = v * 10 + (uint32_t)(**s - '0');
        (*s)++;
        n++;
    }
    *cpu = v;
    return n > 0 && n < 6;
}

int config_xl_cpulist(const char *key, const char *s, uint8_t map[VM_CPUMAP_BYTES],
                      struct domb_error *err)
{
    memset(map, 0, VM_CPUMAP_BYTES);
    while (*s) {
        const char *tok = s, *end = s;
        bool negate = false;
        uint32_t first, last;
        size_t len;

        while (*end && *end != ',')
            end++;
        len = (size_t)(end - tok);
        s = *end ? end + 1 : end;
        if (len == 0)
            continue; /* xl's strtok skips empty items */
        if (*tok == '^') {
            negate = true;
            tok++;
            len--;
        }
        if ((len >= 5 && memcmp(tok, "node:", 5) == 0) ||
            (len >= 6 && memcmp(tok, "nodes:", 6) == 0))
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s: '%.*s' names NUMA nodes, and domB does not know the host's "
                                  "NUMA layout: name CPUs, as %s = \"0-3\"",
                                  key, (int)(end - tok + negate), tok - negate, key);
        if (slice_is(tok, len, "all")) {
            if (negate)
                return domb_error_set(err, -XEN_EINVAL,
                                      "%s: '^all' leaves no CPU (xl refuses it too); write %s = "
                                      "\"all,^3\" to leave out CPU 3",
                                      key, key);
            memset(map, 0xff, VM_CPUMAP_BYTES);
            continue;
        }
        {
            const char *q = tok;

            if (!read_cpu(&q, &first))
                goto bad;
            last = first;
            if (q < end && *q == '-') {
                q++;
                if (!read_cpu(&q, &last))
                    goto bad;
            }
            if (q != end)
                goto bad;
        }
        if (last < first)
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s: range %u-%u ends before it starts; write %u-%u", key, first,
                                  last, last, first);
        if (last >= VM_PCPU_MAX)
            return domb_error_set(err, -XEN_EINVAL,
                                  "%s: CPU %u is above %u, the highest CPU domB can pin to", key,
                                  last, VM_PCPU_MAX - 1);
        for (uint32_t c = first; c <= last; c++) {
            if (negate)
                map[c / 8] &= (uint8_t) ~(1u << (c % 8));
            else
                map[c / 8] |= (uint8_t)(1u << (c % 8));
        }
        continue;
    bad:
        return domb_error_set(err, -XEN_EINVAL,
                              "%s: '%.*s' is not a CPU, a range of CPUs or \"all\"; write it as "
                              "%s = \"0-3,5,^1\"",
                              key, (int)(end - tok + negate), tok - negate, key);
    }
    return 0;
}

/* ---- UUID ---- */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int config_xl_uuid(const char *s, uint8_t uuid[VM_UUID_SIZE], struct domb_error *err)
{
    static const unsigned int groups[] = {8, 4, 4, 4, 12};
    unsigned int byte = 0;

    for (unsigned int g = 0; g < ARRAY_SIZE(groups); g++) {
        if (g && *s++ != '-')
            goto bad;
        for (unsigned int i = 0; i < groups[g]; i += 2) {
            int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

            if (lo < 0)
                goto bad;
            uuid[byte++] = (uint8_t)(hi << 4 | lo);
            s += 2;
        }
    }
    if (*s == '\0')
        return 0;
bad:
    return domb_error_set(err, -XEN_EINVAL,
                          "uuid must be 32 hex digits in groups of 8-4-4-4-12, as uuid = "
                          "\"4dea22b3-1d52-d8f3-2516-782e98a23fa0\"");
}
