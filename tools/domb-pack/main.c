/*
 * domb-pack: compile VM configurations into domB's boot archive.
 *
 *   domb-pack -o initrd.cpio [--mode startall|sequenced] [--no-relay] [--image FILE]...
 *             [--when-done shutdown|wait|stay] [--extract-kernels] [--driver-domain NAME]
 *             [--builder ELF] CONFIG...
 *   domb-pack --check [--driver-domain NAME] [--builder ELF] CONFIG...
 *   domb-pack --list initrd.cpio
 *
 * See docs/packing.md. Problems with a config are printed as
 * "FILE:LINE: message" on stderr and make the tool exit with status 1.
 */
#include "cpio_write.h"
#include "dom0_mem.h"
#include "extract.h"
#include "kernel_check.h"
#include "platform_check.h"

#include <decompress/bzimage.h>
#include <domb/errno.h>
#include <domb/sha256.h>
#include <errno.h>
#include <getopt.h>
#include <initrd/bootset.h>
#include <initrd/cpio.h>
#include <proto/config.h>
#include <proto/manifest.h>
#include <proto/spec.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* The build defines where db-boot is (tools/domb-pack/CMakeLists.txt);
 * a lint pass that compiles without it still sees a valid program. */
#ifndef DOMB_DEFAULT_BUILDER
#define DOMB_DEFAULT_BUILDER "db-boot"
#endif

#define CONFIG_FILE_MAX  (1u << 20)
#define IMAGE_FILE_MAX   0xffffffffu /* the largest size a newc header can state */
#define ARCHIVE_FILE_MAX (1ull << 32)

/* One kernel or ramdisk stored in the archive (stored once per content). */
struct image {
    char member[VM_PATH_MAX + 1];
    uint8_t digest[SHA256_DIGEST_SIZE];
    uint8_t *data;
    size_t size;
};

struct pack_vm {
    const char *config_path;
    struct vm_config cfg;
    struct config_lines lines;
    char spec_member[MANIFEST_NAME_SIZE];
    char ramdisk_file[VM_PATH_MAX + 1]; /* the ramdisk as the config names it */
};

struct pack {
    struct pack_vm vms[MANIFEST_MAX_VMS];
    unsigned nr_vms;
    struct image images[2 * MANIFEST_MAX_VMS];
    unsigned nr_images;
    bool failed;
    bool extract_kernels;      /* --extract-kernels: store bzImages' ELFs */
    const char *builder;       /* the builder kernel's ELF, for the dom0 memory (dom0_mem.h) */
    bool no_kernel_check;      /* --no-kernel-check: store kernels that would not boot */
    const char *driver_domain; /* --driver-domain: the default backend, or NULL */
};

static void report(const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(const char *file, unsigned line, const char *fmt, ...)
{
    va_list ap;

    if (line)
        fprintf(stderr, "%s:%u: ", file, line);
    else
        fprintf(stderr, "%s: ", file);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Read a whole file; returns 0 or an errno value (EFBIG when over max). */
static int read_file(const char *path, size_t max, uint8_t **data, size_t *size)
{
    struct stat st;
    FILE *f;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return EISDIR; /* fopen takes a directory, and reading it gives EIO */
    f = fopen(path, "rb");
    if (!f)
        return errno;
    for (;;) {
        size_t n;

        if (len == cap) {
            uint8_t *p;

            if (cap > max) {
                rc = EFBIG;
                break;
            }
            cap = cap ? cap * 2 : 65536;
            p = realloc(buf, cap);
            if (!p) {
                rc = ENOMEM;
                break;
            }
            buf = p;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f))
                rc = EIO;
            break;
        }
    }
    fclose(f);
    if (rc == 0 && len > max)
        rc = EFBIG;
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *size = len;
    return 0;
}

/* Paths in a config are relative to the config file's directory. */
static void resolve_path(const char *config_path, const char *path, char *out, size_t size)
{
    const char *slash = strrchr(config_path, '/');

    if (path[0] == '/' || !slash)
        snprintf(out, size, "%s", path);
    else
        snprintf(out, size, "%.*s/%s", (int)(slash - config_path), config_path, path);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/*
 * --extract-kernels: replace a bzImage kernel by the ELF inside it. The
 * config's kernel_sha256 was checked against the file as given; the spec's
 * hash will be the stored ELF's.
 */
static bool pack_extract(const struct pack *pk, const struct pack_vm *vm, const char *key,
                         const char *full, unsigned line, uint8_t **data, size_t *size,
                         uint8_t *digest)
{
    const char *kind = extract_kernel_kind(*data, *size);
    char why[256];
    uint8_t *elf;
    size_t elf_len;

    if (!pk->extract_kernels || strcmp(key, "ramdisk") == 0 || strncmp(kind, "bzImage", 7) != 0)
        return true;
    if (extract_kernel(*data, *size, &elf, &elf_len, why, sizeof(why)) != 0) {
        report(vm->config_path, line, "%s '%s' (%s) cannot be extracted: %s", key, full, kind, why);
        return false;
    }
    if (vm->cfg.name[0])
        printf("domb-pack: vm '%s': %s %s: %s extracted to ELF at pack time (%zu bytes)\n",
               vm->cfg.name, key, base_name(full), kind, elf_len);
    else
        printf("domb-pack: %s %s: %s extracted to ELF at pack time (%zu bytes)\n", key,
               base_name(full), kind, elf_len);
    free(*data);
    *data = elf;
    *size = elf_len;
    sha256(elf, elf_len, digest);
    return true;
}

/* domb/images/<base name>: how a client names an --image, and the first
 * choice for any image. */
static void catalog_member(const char *path, char *out, size_t size)
{
    snprintf(out, size, BOOTSET_IMAGE_DIR "%.200s", base_name(path));
}

/*
 * Load one image named by a config, check its hash if the config gave one,
 * and return the archive member it is stored as (shared with any earlier
 * image of the same content). A catalog image (want_member set) must be
 * stored under exactly that name: it shares only an image of that name and
 * content, and is an error if that name holds other content.
 */
static struct image *pack_image(struct pack *pk, struct pack_vm *vm, const char *key,
                                const char *path, unsigned line, unsigned hash_line, bool has_hash,
                                const uint8_t *expect, const char *want_member)
{
    char full[4096], hex[SHA256_HEX_LEN + 1];
    uint8_t *data, digest[SHA256_DIGEST_SIZE];
    size_t size;
    struct image *img;
    int rc;

    resolve_path(vm->config_path, path, full, sizeof(full));
    rc = read_file(full, IMAGE_FILE_MAX, &data, &size);
    if (rc == EISDIR) {
        report(vm->config_path, line, "%s '%s' is a directory: name the image file in it", key,
               full);
        return NULL;
    }
    if (rc) {
        report(vm->config_path, line, "%s '%s' cannot be read: %s", key, full,
               rc == EFBIG ? "it is larger than 4 GiB" : strerror(rc));
        return NULL;
    }
    sha256(data, size, digest);
    if (has_hash && memcmp(digest, expect, SHA256_DIGEST_SIZE) != 0) {
        sha256_to_hex(digest, hex);
        report(vm->config_path, hash_line, "%s_sha256 does not match '%s' (its SHA-256 is %s)", key,
               full, hex);
        free(data);
        return NULL;
    }
    if (!pack_extract(pk, vm, key, full, line, &data, &size, digest))
        return NULL;
    for (unsigned i = 0; i < pk->nr_images; i++) {
        bool same = memcmp(pk->images[i].digest, digest, SHA256_DIGEST_SIZE) == 0;

        if (want_member && strcmp(pk->images[i].member, want_member) == 0 && !same) {
            report(vm->config_path, line,
                   "'%s' would be catalog image '%s', but another image is already stored "
                   "under that name",
                   full, want_member);
            free(data);
            return NULL;
        }
        if (same && (!want_member || strcmp(pk->images[i].member, want_member) == 0)) {
            free(data);
            return &pk->images[i];
        }
    }

    img = &pk->images[pk->nr_images++];
    memcpy(img->digest, digest, SHA256_DIGEST_SIZE);
    img->data = data;
    img->size = size;
    if (want_member) {
        snprintf(img->member, sizeof(img->member), "%s", want_member);
        return img;
    }
    /* Keep the file's own name where possible; a suffix tells apart different contents. */
    for (unsigned n = 1;; n++) {
        bool taken = false;

        if (n == 1)
            catalog_member(full, img->member, sizeof(img->member));
        else
            snprintf(img->member, sizeof(img->member), BOOTSET_IMAGE_DIR "%.200s.%u",
                     base_name(full), n);
        for (unsigned i = 0; i + 1 < pk->nr_images; i++)
            taken |= strcmp(pk->images[i].member, img->member) == 0;
        if (!taken)
            break;
    }
    return img;
}

/* An image for db-server's catalog (--image): stored as domb/images/<base
 * name>, even when a boot-set VM's image of other name has the same bytes. */
static bool pack_catalog_image(struct pack *pk, const char *path)
{
    struct pack_vm dummy = {.config_path = "domb-pack: --image"}; /* no '/': path as given */
    char member[VM_PATH_MAX + 1];

    if (pk->nr_images == sizeof(pk->images) / sizeof(pk->images[0])) {
        report(dummy.config_path, 0, "'%s': too many images", path);
        return false;
    }
    catalog_member(path, member, sizeof(member));
    return pack_image(pk, &dummy, "image", path, 0, 0, false, NULL, member) != NULL;
}

/* Parse one config and load its images; returns false after reporting. */
static bool pack_config(struct pack *pk, const char *path)
{
    struct pack_vm *vm = &pk->vms[pk->nr_vms];
    struct domb_error err;
    uint8_t *text;
    size_t len;
    struct image *kernel, *ramdisk = NULL;
    int rc;

    if (pk->nr_vms == MANIFEST_MAX_VMS) {
        report(path, 0, "too many configs; an archive holds at most %d VMs", MANIFEST_MAX_VMS);
        return false;
    }
    memset(vm, 0, sizeof(*vm));
    vm->config_path = path;
    rc = read_file(path, CONFIG_FILE_MAX, &text, &len);
    if (rc) {
        report(path, 0, "cannot read: %s", rc == EFBIG ? "larger than 1 MiB" : strerror(rc));
        return false;
    }
    rc = config_parse((const char *)text, len, path, &vm->cfg, &vm->lines, &err);
    free(text);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return false;
    }
    for (unsigned i = 0; i < pk->nr_vms; i++) {
        const struct pack_vm *other = &pk->vms[i];

        if (strcmp(other->cfg.name, vm->cfg.name) == 0) {
            report(path, vm->lines.name, "name '%s' is already used by %s", vm->cfg.name,
                   other->config_path);
            return false;
        }
        if (vm->cfg.domid && vm->cfg.domid == other->cfg.domid) {
            report(path, vm->lines.domid, "domid %u is already used by %s", vm->cfg.domid,
                   other->config_path);
            return false;
        }
    }
    kernel = pack_image(pk, vm, "kernel", vm->cfg.kernel, vm->lines.kernel, vm->lines.kernel_sha256,
                        vm->cfg.has_kernel_sha256, vm->cfg.kernel_sha256, NULL);
    if (!kernel)
        return false;
    if (!pk->no_kernel_check) {
        char why[256], full[4096];

        /* What the builder would say at boot, said now (kernel_check.c). */
        if (kernel_check(kernel->data, kernel->size, vm->cfg.type, vm->cfg.memory_mib, why,
                         sizeof(why)) != 0) {
            resolve_path(vm->config_path, vm->cfg.kernel, full, sizeof(full));
            report(vm->config_path, vm->lines.kernel,
                   "kernel '%s' cannot boot as a %s guest: %s (a Xen ELF or a Linux bzImage is "
                   "needed: docs/linux-guests.md)",
                   full, vm_type_name(vm->cfg.type), why);
            return false;
        }
    }
    memcpy(vm->ramdisk_file, vm->cfg.ramdisk, sizeof(vm->ramdisk_file));
    if (vm->cfg.ramdisk[0]) {
        ramdisk = pack_image(pk, vm, "ramdisk", vm->cfg.ramdisk, vm->lines.ramdisk,
                             vm->lines.ramdisk_sha256, vm->cfg.has_ramdisk_sha256,
                             vm->cfg.ramdisk_sha256, NULL);
        if (!ramdisk)
            return false;
    }

    /* The spec names archive members and always carries their hashes. */
    snprintf(vm->cfg.kernel, sizeof(vm->cfg.kernel), "%s", kernel->member);
    vm->cfg.has_kernel_sha256 = true;
    memcpy(vm->cfg.kernel_sha256, kernel->digest, SHA256_DIGEST_SIZE);
    if (ramdisk) {
        snprintf(vm->cfg.ramdisk, sizeof(vm->cfg.ramdisk), "%s", ramdisk->member);
        vm->cfg.has_ramdisk_sha256 = true;
        memcpy(vm->cfg.ramdisk_sha256, ramdisk->digest, SHA256_DIGEST_SIZE);
    }
    {
        char member[MANIFEST_NAME_SIZE];

        snprintf(member, sizeof(member), BOOTSET_SPEC_DIR "%s.spec", vm->cfg.name);
        memcpy(vm->spec_member, member, sizeof(member));
    }
    pk->nr_vms++;
    return true;
}

/* ---- device backends: every device names a driver domain of this archive ---- */

static const struct pack_vm *pack_find_vm(const struct pack *pk, const char *name)
{
    for (unsigned i = 0; i < pk->nr_vms; i++)
        if (strcmp(pk->vms[i].cfg.name, name) == 0)
            return &pk->vms[i];
    return NULL;
}

/*
 * The backend of devices that name none: --driver-domain, else the only VM
 * with driver_domain = 1. NULL when there is none (*why says so) or after
 * reporting a bad --driver-domain (*why is NULL then).
 */
static const struct pack_vm *pack_default_driver_domain(const struct pack *pk, char *why,
                                                        size_t size, bool *bad_option)
{
    const struct pack_vm *found = NULL;
    unsigned count = 0;
    size_t used = 0;

    *bad_option = false;
    if (pk->driver_domain) {
        const struct pack_vm *vm = pack_find_vm(pk, pk->driver_domain);

        if (!vm)
            fprintf(stderr, "domb-pack: --driver-domain '%s' is not a VM of this archive\n",
                    pk->driver_domain);
        else if (!vm->cfg.driver_domain)
            report(vm->config_path, 0,
                   "--driver-domain '%s': this config does not set driver_domain = 1",
                   pk->driver_domain);
        else
            return vm;
        *bad_option = true;
        return NULL;
    }
    for (unsigned i = 0; i < pk->nr_vms; i++) {
        if (!pk->vms[i].cfg.driver_domain)
            continue;
        if (count++ == 0)
            found = &pk->vms[i];
        if (used < size)
            used += (size_t)snprintf(why + used, size - used, "%s%s", count > 1 ? ", " : "",
                                     pk->vms[i].cfg.name);
    }
    if (count == 1)
        return found;
    if (count == 0)
        snprintf(why, size, "the archive has no driver domain (a VM with driver_domain = 1)");
    else {
        char names[128];

        snprintf(names, sizeof(names), "%s", why);
        snprintf(why, size,
                 "the archive has %u driver domains (%s): name one with backend= or "
                 "--driver-domain",
                 count, names);
    }
    return NULL;
}

/*
 * Give each device without backend= the default driver domain and check
 * every backend: a VM of this archive, a driver domain, not the VM itself.
 * Also no MAC twice in the archive. Reports each problem at the device's line.
 */
static bool pack_resolve_backends(struct pack *pk)
{
    char why[256], label[32];
    bool bad_option, ok = true;
    const struct pack_vm *dflt = pack_default_driver_domain(pk, why, sizeof(why), &bad_option);

    if (bad_option)
        return false;
    for (unsigned v = 0; v < pk->nr_vms; v++) {
        struct pack_vm *vm = &pk->vms[v];

        for (uint32_t i = 0; i < vm->cfg.nr_devices; i++) {
            struct vm_device *dev = &vm->cfg.devices[i];
            unsigned line = vm->lines.devices[i];
            const struct pack_vm *backend;

            vm_device_label(dev, label, sizeof(label));
            if (dev->backend[0] == '\0' && !dflt) {
                report(vm->config_path, line, "%s has no backend= and %s", label, why);
                ok = false;
                continue;
            }
            if (dev->backend[0] == '\0' && dflt == vm) {
                report(vm->config_path, line,
                       "%s has no backend=, and the archive's driver domain is '%s', this VM "
                       "itself; a driver domain cannot back its own devices",
                       label, vm->cfg.name);
                ok = false;
                continue;
            }
            if (dev->backend[0] == '\0')
                snprintf(dev->backend, sizeof(dev->backend), "%s", dflt->cfg.name);
            backend = pack_find_vm(pk, dev->backend);
            if (!backend) {
                report(vm->config_path, line, "%s: backend '%s' is not a VM of this archive", label,
                       dev->backend);
                ok = false;
            } else if (!backend->cfg.driver_domain) {
                report(vm->config_path, line,
                       "%s: backend '%s' (%s) is not a driver domain (it does not set "
                       "driver_domain = 1)",
                       label, dev->backend, backend->config_path);
                ok = false;
            }
            for (unsigned w = 0; dev->kind == VM_DEVICE_VIF && w < v; w++)
                for (uint32_t j = 0; j < pk->vms[w].cfg.nr_devices; j++) {
                    const struct vm_device *other = &pk->vms[w].cfg.devices[j];

                    if (other->kind == VM_DEVICE_VIF &&
                        memcmp(other->vif.mac, dev->vif.mac, sizeof(dev->vif.mac)) == 0) {
                        report(vm->config_path, line,
                               "%s: mac %02x:%02x:%02x:%02x:%02x:%02x is also vif %u of '%s' "
                               "(%s)",
                               label, dev->vif.mac[0], dev->vif.mac[1], dev->vif.mac[2],
                               dev->vif.mac[3], dev->vif.mac[4], dev->vif.mac[5], other->devid,
                               pk->vms[w].cfg.name, pk->vms[w].config_path);
                        ok = false;
                    }
                }
        }
    }
    return ok;
}

/* At most one VM with db_builder = 1: db-boot makes it the handler of
 * VIRQ_DOM_EXC, and Xen has one handler per global VIRQ. */
static bool pack_check_builders(const struct pack *pk)
{
    const struct pack_vm *first = NULL;
    bool ok = true;

    for (unsigned v = 0; v < pk->nr_vms; v++) {
        const struct pack_vm *vm = &pk->vms[v];

        if (!vm->cfg.db_builder)
            continue;
        if (!first) {
            first = vm;
            continue;
        }
        report(vm->config_path, vm->lines.db_builder,
               "db_builder = 1, but '%s' (%s) is this archive's domain builder already: db-boot "
               "gives VIRQ_DOM_EXC to one domain (Xen has one handler)",
               first->cfg.name, first->config_path);
        ok = false;
    }
    return ok;
}

/* ---- db-server platforms: a control domain's ramdisk of configs ---- */

static const uint8_t *pack_find_image(void *ctx, const char *member, size_t *size)
{
    const struct pack *pk = ctx;

    for (unsigned i = 0; i < pk->nr_images; i++)
        if (strcmp(pk->images[i].member, member) == 0) {
            *size = pk->images[i].size;
            return pk->images[i].data;
        }
    return NULL;
}

/* Every db-server client's ramdisk that is a platform archive is checked
 * as its control domain will read it (platform_check.c). */
static bool pack_check_platforms(struct pack *pk)
{
    bool ok = true;

    for (unsigned v = 0; v < pk->nr_vms; v++) {
        const struct pack_vm *vm = &pk->vms[v];
        const uint8_t *data;
        size_t size;
        int n;

        if (!vm->cfg.db_client || !vm->cfg.ramdisk[0] ||
            !(data = pack_find_image(pk, vm->cfg.ramdisk, &size)))
            continue;
        n = platform_check(vm->ramdisk_file, data, size, pack_find_image, pk);
        if (n < 0)
            ok = false;
        else if (n > 0)
            printf("domb-pack: vm '%s': platform %s: %d config(s) OK\n", vm->cfg.name,
                   vm->ramdisk_file, n);
    }
    return ok;
}

static void pack_free(struct pack *pk)
{
    for (unsigned i = 0; i < pk->nr_images; i++)
        free(pk->images[i].data);
}

static int write_archive(const char *out, const uint8_t *data, size_t len)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp%d", out, (int)getpid());
    f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "domb-pack: cannot write %s: %s\n", out, strerror(errno));
        return -1;
    }
    bool written = fwrite(data, 1, len, f) == len;
    int saved = errno;
    if (fclose(f) != 0 || !written) {
        fprintf(stderr, "domb-pack: cannot write %s: %s\n", out, strerror(written ? errno : saved));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, out) != 0) {
        fprintf(stderr, "domb-pack: cannot rename %s to %s: %s\n", tmp, out, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The dom0 memory booting the archive needs (dom0_mem.h), into the
 * manifest; --check says it. The archive's size is bounded from above: its
 * images, specs and manifest, each with a header. */
static void pack_dom0(const struct pack *pk, struct manifest *m, struct dom0_need *n)
{
    uint64_t bytes = manifest_size(pk->nr_vms) + (uint64_t)pk->nr_vms * (SPEC_MAX_SIZE + 512);
    bool bz = false;

    for (unsigned i = 0; i < pk->nr_images; i++) {
        bytes += pk->images[i].size + 512;
        bz |= bzimage_probe(pk->images[i].data, pk->images[i].size);
    }
    dom0_need_builder(n, pk->builder);
    dom0_need_finish(n, bytes, pk->nr_vms, bz);
    m->dom0_kib = n->total_kib > UINT32_MAX ? UINT32_MAX : (uint32_t)n->total_kib;
}

/* The manifest for the packed VMs and the options (also what --check checks). */
static int pack_manifest(const struct pack *pk, const struct manifest *proto, uint8_t *buf,
                         size_t size)
{
    struct manifest m = *proto;
    struct domb_error err;
    int n;

    m.nr_vms = pk->nr_vms;
    for (unsigned i = 0; i < pk->nr_vms; i++)
        m.spec_names[i] = pk->vms[i].spec_member;
    n = manifest_encode(&m, buf, size, &err);
    if (n < 0)
        fprintf(stderr, "domb-pack: manifest: %s\n", err.msg);
    return n;
}

static int pack_write(struct pack *pk, const struct manifest *proto, const char *out)
{
    struct cpio_writer w;
    uint8_t manifest_buf[MANIFEST_MAX_SIZE], spec_buf[SPEC_MAX_SIZE];
    struct domb_error err;
    int n, rc = 0;

    n = pack_manifest(pk, proto, manifest_buf, sizeof(manifest_buf));
    if (n < 0)
        return -1;

    cpio_writer_init(&w);
    cpio_writer_add_dir(&w, "domb");
    cpio_writer_add_file(&w, BOOTSET_MANIFEST_NAME, manifest_buf, (size_t)n);
    cpio_writer_add_dir(&w, "domb/specs");
    for (unsigned i = 0; i < pk->nr_vms; i++) {
        n = spec_encode(&pk->vms[i].cfg, spec_buf, sizeof(spec_buf), &err);
        if (n < 0) {
            report(pk->vms[i].config_path, 0, "%s", err.msg);
            cpio_writer_free(&w);
            return -1;
        }
        cpio_writer_add_file(&w, pk->vms[i].spec_member, spec_buf, (size_t)n);
    }
    cpio_writer_add_dir(&w, "domb/images");
    for (unsigned i = 0; i < pk->nr_images; i++)
        cpio_writer_add_file(&w, pk->images[i].member, pk->images[i].data, pk->images[i].size);
    if (cpio_writer_finish(&w) != 0) {
        fprintf(stderr, "domb-pack: out of memory\n");
        rc = -1;
    } else {
        rc = write_archive(out, w.buf, w.len);
    }
    cpio_writer_free(&w);
    return rc;
}

/* One line per device: "vif 0: mac ..., bridge ..., backend dd", "disk xvda: /a rw, backend dd". */
static void list_device(const struct vm_device *dev)
{
    char label[32];

    vm_device_label(dev, label, sizeof(label));
    if (dev->kind == VM_DEVICE_VIF) {
        const struct vm_vif *v = &dev->vif;

        printf("     %s: mac %02x:%02x:%02x:%02x:%02x:%02x, bridge %s", label, v->mac[0], v->mac[1],
               v->mac[2], v->mac[3], v->mac[4], v->mac[5], v->bridge);
        if (v->vifname[0])
            printf(", vifname %s", v->vifname);
        if (v->ip[0])
            printf(", ip %s", v->ip);
        if (strcmp(v->script, "vif-bridge") != 0)
            printf(", script %s", v->script);
    } else {
        printf("     %s: %s %s%s", label, dev->disk.target, dev->disk.writable ? "rw" : "ro",
               dev->disk.cdrom ? " cdrom" : "");
    }
    printf(", backend %s\n", dev->backend);
}

/* "0-3,5" for a CPU map, "all" when every CPU domB can name is in it. */
static void format_cpus(const uint8_t *map, char *out, size_t size)
{
    size_t used = 0;
    unsigned int n = 0;

    out[0] = '\0';
    for (unsigned int c = 0; c < VM_PCPU_MAX; c++)
        n += (map[c / 8] >> (c % 8)) & 1;
    if (n == VM_PCPU_MAX) {
        snprintf(out, size, "all");
        return;
    }
    for (unsigned int c = 0; c < VM_PCPU_MAX && used < size; c++) {
        unsigned int e = c;

        if (!((map[c / 8] >> (c % 8)) & 1))
            continue;
        while (e + 1 < VM_PCPU_MAX && ((map[(e + 1) / 8] >> ((e + 1) % 8)) & 1))
            e++;
        used += (size_t)snprintf(out + used, size - used, e > c ? "%s%u-%u" : "%s%u",
                                 used ? "," : "", c, e);
        c = e;
    }
    if (!out[0])
        snprintf(out, size, "none");
}

/* The lifecycle, uuid, maxvcpus and affinity lines of --list. */
static void list_lifecycle(const struct vm_config *c)
{
    static const unsigned int xen_reason[VM_REASON_COUNT] = {0, 1, 3, 4, 5};
    char uuid[37], map[400];
    bool leave;

    printf("    ");
    for (unsigned int r = 0; r < VM_REASON_COUNT; r++)
        printf(" %s %s%s", vm_reason_key((enum vm_reason)r),
               vm_on_exit_name(vm_config_action(c, xen_reason[r], &leave)),
               r + 1 < VM_REASON_COUNT ? "," : "\n");
    if (c->has_uuid) {
        vm_uuid_format(c->uuid, uuid);
        printf("     uuid %s\n", uuid);
    }
    if (c->max_vcpus)
        printf("     maxvcpus %u (vCPUs %u-%u start offline)\n", c->max_vcpus, c->vcpus,
               c->max_vcpus - 1);
    if (c->has_cpus) {
        format_cpus(c->cpus, map, sizeof(map));
        printf("     cpus %s\n", map);
    }
    if (c->has_cpus_soft) {
        format_cpus(c->cpus_soft, map, sizeof(map));
        printf("     cpus_soft %s\n", map);
    }
}

static int list_archive(const char *path)
{
    static struct bootset_vm vms[MANIFEST_MAX_VMS];
    unsigned int bad_kernels = 0;
    char why[256];
    struct bootset set;
    struct domb_error err;
    struct cpio_iter it;
    struct cpio_entry e;
    uint8_t *data;
    size_t len;
    int rc;

    rc = read_file(path, ARCHIVE_FILE_MAX, &data, &len);
    if (rc) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(rc));
        return 1;
    }
    printf("%s: %zu bytes\n", path, len);
    cpio_iter_init(&it, data, len);
    while ((rc = cpio_next_entry(&it, &e, &err)) == 1)
        printf("  %-40s %10zu%s\n", e.name, e.size,
               (e.mode & CPIO_MODE_TYPE_MASK) == CPIO_MODE_DIRECTORY ? "  (directory)" : "");
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        free(data);
        return 1;
    }
    rc = bootset_load(data, len, &set, vms, MANIFEST_MAX_VMS, &err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        free(data);
        return 1;
    }
    if (set.manifest.dom0_kib)
        printf("dom0 memory: %u MiB (recorded by domb-pack: dom0_mem=%uM,max:%uM)\n",
               set.manifest.dom0_kib / 1024, set.manifest.dom0_kib / 1024,
               set.manifest.dom0_kib / 1024);
    printf("manifest: mode %s, console relay %s, when done %s, %u VM(s)%s%s\n",
           manifest_mode_name(set.manifest.mode),
           set.manifest.flags & MANIFEST_FLAG_CONSOLE_RELAY ? "on" : "off",
           manifest_when_done_name(set.manifest.when_done), set.nr_vms,
           set.manifest.flags & MANIFEST_FLAG_FIRST_XENSTORE ? ", first is xenstore" : "",
           set.manifest.flags & MANIFEST_FLAG_LAST_CONTROL ? ", last is control" : "");
    for (uint32_t i = 0; i < set.nr_vms; i++) {
        const struct bootset_vm *vm = &vms[i];
        const struct vm_config *c = &vm->config;

        if (vm->status) {
            printf("  %u. %s: ERROR %s\n", i + 1, vm->spec_name, vm->error.msg);
            continue;
        }
        char domid[16] = "any";

        if (c->domid)
            snprintf(domid, sizeof(domid), "%u", c->domid);
        printf("  %u. %s: memory %u MiB (max %u), vcpus %u, domid %s, type %s\n", i + 1, c->name,
               c->memory_mib, c->maxmem_mib, c->vcpus, domid, vm_type_name(c->type));
        list_lifecycle(c);
        if (kernel_check(vm->kernel, vm->kernel_size, c->type, c->memory_mib, why, sizeof(why))) {
            printf("     kernel %s (%zu bytes, %s): WOULD NOT BOOT: %s\n", c->kernel,
                   vm->kernel_size, extract_kernel_kind(vm->kernel, vm->kernel_size), why);
            bad_kernels++;
        } else {
            printf("     kernel %s (%zu bytes, %s)\n", c->kernel, vm->kernel_size,
                   extract_kernel_kind(vm->kernel, vm->kernel_size));
        }
        if (vm->ramdisk)
            printf("     ramdisk %s (%zu bytes)\n", c->ramdisk, vm->ramdisk_size);
        if (c->cmdline[0])
            printf("     cmdline \"%s\"\n", c->cmdline);
        if (c->nr_iomem || c->nr_ioports || c->nr_irqs)
            printf("     %u iomem, %u ioport range(s), %u irq(s)\n", c->nr_iomem, c->nr_ioports,
                   c->nr_irqs);
        if (c->has_max_grant_frames || c->has_max_maptrack_frames || c->max_grant_version) {
            char frames[16] = "Xen's", maptrack[16] = "Xen's", version[16] = "default";

            if (c->has_max_grant_frames)
                snprintf(frames, sizeof(frames), "%u", c->max_grant_frames);
            if (c->has_max_maptrack_frames)
                snprintf(maptrack, sizeof(maptrack), "%u", c->max_maptrack_frames);
            if (c->max_grant_version)
                snprintf(version, sizeof(version), "%u", c->max_grant_version);
            printf("     grant table: max frames %s, max maptrack frames %s, max version %s\n",
                   frames, maptrack, version);
        }
        if (c->driver_domain)
            printf("     driver domain (serves other VMs' devices)\n");
        if (c->db_builder)
            printf("     domain builder (db_builder: db-boot gives it VIRQ_DOM_EXC)\n");
        for (uint32_t d = 0; d < c->nr_devices; d++)
            list_device(&c->devices[d]);
    }
    free(data);
    return set.nr_failed || bad_kernels ? 1 : 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: domb-pack -o ARCHIVE [--mode startall|sequenced] [--no-relay]\n"
               "                 [--when-done shutdown|wait|stay] [--image FILE]...\n"
               "                 [--xenstore-first] [--control-last] [--extract-kernels]\n"
               "                 [--driver-domain NAME] [--no-kernel-check] [--builder ELF]\n"
               "                 CONFIG...\n"
               "       domb-pack --check [--driver-domain NAME] [--builder ELF] CONFIG...\n"
               "       domb-pack --list ARCHIVE\n");
}

/* Index of `word` in names[0..count), or -1. */
static int pick(const char *word, const char *(*name_of)(unsigned), unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        if (strcmp(word, name_of(i)) == 0)
            return (int)i;
    return -1;
}

static const char *mode_name(unsigned i)
{
    return manifest_mode_name((enum manifest_mode)i);
}

static const char *done_name(unsigned i)
{
    return manifest_when_done_name((enum manifest_when_done)i);
}

int main(int argc, char **argv)
{
    static struct pack pk;
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"mode", required_argument, NULL, 'm'},
        {"no-relay", no_argument, NULL, 'n'},
        {"when-done", required_argument, NULL, 'w'},
        {"check", no_argument, NULL, 'c'},
        {"list", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"image", required_argument, NULL, 'i'},
        {"xenstore-first", no_argument, NULL, 'x'},
        {"control-last", no_argument, NULL, 'C'},
        {"extract-kernels", no_argument, NULL, 'e'},
        {"driver-domain", required_argument, NULL, 'd'},
        {"no-kernel-check", no_argument, NULL, 'K'},
        {"builder", required_argument, NULL, 'B'},
        {NULL, 0, NULL, 0},
    };
    struct manifest m = {
        .flags = MANIFEST_FLAG_CONSOLE_RELAY,
        .mode = MANIFEST_MODE_STARTALL,
        .when_done = MANIFEST_DONE_WAIT,
    };
    const char *out = NULL, *catalog[2 * MANIFEST_MAX_VMS];
    unsigned nr_catalog = 0;
    bool check = false, list = false;
    struct dom0_need dom0;
    int opt, v, rc = 0;

    while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 'm':
            if ((v = pick(optarg, mode_name, MANIFEST_MODE_COUNT)) < 0) {
                fprintf(stderr, "domb-pack: --mode must be startall or sequenced\n");
                return 2;
            }
            m.mode = (enum manifest_mode)v;
            break;
        case 'n':
            m.flags &= (uint16_t)~MANIFEST_FLAG_CONSOLE_RELAY;
            break;
        case 'w':
            if ((v = pick(optarg, done_name, MANIFEST_DONE_COUNT)) < 0) {
                fprintf(stderr, "domb-pack: --when-done must be shutdown, wait or stay\n");
                return 2;
            }
            m.when_done = (enum manifest_when_done)v;
            break;
        case 'c':
            check = true;
            break;
        case 'x':
            m.flags |= MANIFEST_FLAG_FIRST_XENSTORE;
            break;
        case 'C':
            m.flags |= MANIFEST_FLAG_LAST_CONTROL;
            break;
        case 'i':
            if (nr_catalog == sizeof(catalog) / sizeof(catalog[0])) {
                fprintf(stderr, "domb-pack: too many --image files\n");
                return 2;
            }
            catalog[nr_catalog++] = optarg;
            break;
        case 'l':
            list = true;
            break;
        case 'e':
            pk.extract_kernels = true;
            break;
        case 'd':
            pk.driver_domain = optarg;
            break;
        case 'K':
            pk.no_kernel_check = true;
            break;
        case 'B':
            pk.builder = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (list) {
        if (check || out || optind != argc - 1) {
            usage(stderr);
            return 2;
        }
        return list_archive(argv[optind]);
    }
    if (optind == argc || (check == (out != NULL))) {
        usage(stderr);
        return 2;
    }

    for (int i = optind; i < argc; i++)
        if (!pack_config(&pk, argv[i]))
            pk.failed = true;
    for (unsigned i = 0; i < nr_catalog; i++)
        if (!pack_catalog_image(&pk, catalog[i]))
            pk.failed = true;
    /* Backends need every config: only when all of them parsed. */
    if (!pk.failed && !pack_check_builders(&pk))
        pk.failed = true;
    if (!pk.failed && !pack_resolve_backends(&pk))
        pk.failed = true;
    if (!pk.failed && !pack_check_platforms(&pk))
        pk.failed = true;
    if (!pk.builder)
        pk.builder = getenv("DOMB_KERNEL") ? getenv("DOMB_KERNEL") : DOMB_DEFAULT_BUILDER;
    if (!pk.failed)
        pack_dom0(&pk, &m, &dom0);
    if (pk.failed)
        rc = 1;
    else if (check) {
        static uint8_t manifest_buf[MANIFEST_MAX_SIZE];

        if (pack_manifest(&pk, &m, manifest_buf, sizeof(manifest_buf)) < 0) {
            rc = 1;
        } else {
            dom0_need_print(&dom0, pk.builder);
            printf("domb-pack: %u config(s) OK\n", pk.nr_vms);
        }
    } else if (pack_write(&pk, &m, out) != 0)
        rc = 1;
    pack_free(&pk);
    return rc;
}
