/* Manifest encoder and decoder (layout in <proto/manifest.h>). */
#include <domb/errno.h>
#include <domb/byteorder.h>
#include <proto/format.h>
#include <proto/manifest.h>

_Static_assert(MANIFEST_OFF_MAGIC == FORMAT_OFF_MAGIC &&
                   MANIFEST_OFF_VERSION == FORMAT_OFF_VERSION &&
                   MANIFEST_OFF_FLAGS == FORMAT_OFF_FLAGS && MANIFEST_OFF_SIZE == FORMAT_OFF_SIZE,
               "common framing");
_Static_assert(MANIFEST_OFF_VERSION == MANIFEST_OFF_MAGIC + 8, "layout");
_Static_assert(MANIFEST_OFF_FLAGS == MANIFEST_OFF_VERSION + 2, "layout");
_Static_assert(MANIFEST_OFF_SIZE == MANIFEST_OFF_FLAGS + 2, "layout");
_Static_assert(MANIFEST_OFF_MODE == MANIFEST_OFF_SIZE + 4, "layout");
_Static_assert(MANIFEST_OFF_WHEN_DONE == MANIFEST_OFF_MODE + 1, "layout");
_Static_assert(MANIFEST_OFF_NR_VMS == MANIFEST_OFF_WHEN_DONE + 1, "layout");
_Static_assert(MANIFEST_OFF_DOM0_KIB == MANIFEST_OFF_NR_VMS + 2, "layout");
_Static_assert(MANIFEST_OFF_RESERVED == MANIFEST_OFF_DOM0_KIB + 4, "layout");
_Static_assert(MANIFEST_OFF_ENTRIES == MANIFEST_OFF_RESERVED + MANIFEST_RESERVED_SIZE, "layout");
_Static_assert(MANIFEST_HEADER_SIZE == MANIFEST_OFF_ENTRIES, "layout");
_Static_assert(MANIFEST_MAX_VMS <= 0xffff, "u16 count");

static const char *const manifest_mode_names[MANIFEST_MODE_COUNT] = {"startall", "sequenced"};
static const char *const manifest_done_names[MANIFEST_DONE_COUNT] = {"shutdown", "wait", "stay"};

const char *manifest_mode_name(enum manifest_mode mode)
{
    return (unsigned)mode < MANIFEST_MODE_COUNT ? manifest_mode_names[mode] : NULL;
}

const char *manifest_when_done_name(enum manifest_when_done when_done)
{
    return (unsigned)when_done < MANIFEST_DONE_COUNT ? manifest_done_names[when_done] : NULL;
}

size_t manifest_size(uint32_t nr_vms)
{
    return MANIFEST_HEADER_SIZE + (size_t)nr_vms * MANIFEST_NAME_SIZE;
}

/* Archive member names: printable ASCII without spaces or quotes. */
static bool manifest_name_char_ok(char c)
{
    return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '\\';
}

static int manifest_check_name(const char *name, uint32_t index, struct domb_error *err)
{
    size_t len = strnlen(name, MANIFEST_NAME_SIZE);

    if (len == 0)
        return domb_error_set(err, -XEN_EINVAL, "entry %u has an empty spec name", index);
    if (len == MANIFEST_NAME_SIZE)
        return domb_error_set(err, -XEN_EINVAL, "entry %u: spec name is longer than %d bytes",
                              index, MANIFEST_NAME_SIZE - 1);
    for (size_t i = 0; i < len; i++)
        if (!manifest_name_char_ok(name[i]))
            return domb_error_set(err, -XEN_EINVAL,
                                  "entry %u: spec name holds a space, quote or control byte",
                                  index);
    return 0;
}

/* Everything about a manifest except its byte encoding. */
static int manifest_validate(const struct manifest *m, struct domb_error *err)
{
    int rc;

    if (m->flags & ~MANIFEST_FLAGS_KNOWN)
        return domb_error_set(err, -XEN_EINVAL, "flags 0x%x hold unknown bits 0x%x", m->flags,
                              m->flags & ~MANIFEST_FLAGS_KNOWN);
    if (!manifest_mode_name(m->mode))
        return domb_error_set(err, -XEN_EINVAL, "mode %u is unknown", (unsigned)m->mode);
    if (!manifest_when_done_name(m->when_done))
        return domb_error_set(err, -XEN_EINVAL, "when-done action %u is unknown",
                              (unsigned)m->when_done);
    if (m->nr_vms == 0)
        return domb_error_set(err, -XEN_EINVAL, "lists no VMs");
    if (m->nr_vms > MANIFEST_MAX_VMS)
        return domb_error_set(err, -XEN_EINVAL, "lists %u VMs; at most %d are allowed", m->nr_vms,
                              MANIFEST_MAX_VMS);
    if ((m->flags & (MANIFEST_FLAG_FIRST_XENSTORE | MANIFEST_FLAG_LAST_CONTROL)) &&
        m->mode != MANIFEST_MODE_SEQUENCED)
        return domb_error_set(err, -XEN_EINVAL,
                              "xenstore and control domain roles need sequenced mode");
    if ((m->flags & MANIFEST_FLAG_FIRST_XENSTORE) && (m->flags & MANIFEST_FLAG_LAST_CONTROL) &&
        m->nr_vms < 2)
        return domb_error_set(err, -XEN_EINVAL,
                              "a xenstore domain and a control domain need two VMs");
    for (uint32_t i = 0; i < m->nr_vms; i++) {
        if ((rc = manifest_check_name(m->spec_names[i], i, err)))
            return rc;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->spec_names[i], m->spec_names[j]) == 0)
                return domb_error_set(err, -XEN_EINVAL, "entry %u repeats spec '%s' of entry %u", i,
                                      m->spec_names[i], j);
    }
    return 0;
}

int manifest_encode(const struct manifest *m, void *buf, size_t size, struct domb_error *err)
{
    uint8_t *b = buf;
    size_t total;
    int rc;

    if ((rc = manifest_validate(m, err)))
        return rc;
    total = manifest_size(m->nr_vms);
    if (size < total)
        return domb_error_set(err, -XEN_ENOSPC, "manifest needs %zu bytes; the buffer holds %zu",
                              total, size);
    memset(b, 0, total);
    memcpy(b + MANIFEST_OFF_MAGIC, MANIFEST_MAGIC, 8);
    put_le16(b + MANIFEST_OFF_VERSION, MANIFEST_VERSION);
    put_le16(b + MANIFEST_OFF_FLAGS, m->flags);
    put_le32(b + MANIFEST_OFF_SIZE, (uint32_t)total);
    b[MANIFEST_OFF_MODE] = (uint8_t)m->mode;
    b[MANIFEST_OFF_WHEN_DONE] = (uint8_t)m->when_done;
    put_le16(b + MANIFEST_OFF_NR_VMS, (uint16_t)m->nr_vms);
    put_le32(b + MANIFEST_OFF_DOM0_KIB, m->dom0_kib);
    for (uint32_t i = 0; i < m->nr_vms; i++)
        memcpy(b + MANIFEST_OFF_ENTRIES + i * MANIFEST_NAME_SIZE, m->spec_names[i],
               strlen(m->spec_names[i]));
    return (int)total;
}

int manifest_decode(const void *buf, size_t len, struct manifest *m, struct domb_error *err)
{
    const uint8_t *b = buf;
    uint32_t size;
    int rc;

    memset(m, 0, sizeof(*m));
    if ((rc = format_check_header(b, len, MANIFEST_HEADER_SIZE, MANIFEST_MAGIC, MANIFEST_VERSION,
                                  err)))
        return rc;
    m->flags = get_le16(b + MANIFEST_OFF_FLAGS);
    m->mode = (enum manifest_mode)b[MANIFEST_OFF_MODE];
    m->when_done = (enum manifest_when_done)b[MANIFEST_OFF_WHEN_DONE];
    m->nr_vms = get_le16(b + MANIFEST_OFF_NR_VMS);
    m->dom0_kib = get_le32(b + MANIFEST_OFF_DOM0_KIB); /* any value: 0 = not said */
    size = get_le32(b + MANIFEST_OFF_SIZE);
    if (m->nr_vms <= MANIFEST_MAX_VMS && size != manifest_size(m->nr_vms))
        return domb_error_set(err, -XEN_EINVAL, "size field says %u bytes; %u VMs need %zu", size,
                              m->nr_vms, manifest_size(m->nr_vms));
    if (m->nr_vms <= MANIFEST_MAX_VMS && (rc = format_check_length(len, size, err)))
        return rc;
    if ((rc = format_check_reserved(b, MANIFEST_OFF_RESERVED, MANIFEST_RESERVED_SIZE, err)))
        return rc;
    if (m->nr_vms > MANIFEST_MAX_VMS)
        return manifest_validate(m, err); /* reports the count */

    for (uint32_t i = 0; i < m->nr_vms; i++) {
        const char *name = (const char *)b + MANIFEST_OFF_ENTRIES + i * MANIFEST_NAME_SIZE;
        size_t n = strnlen(name, MANIFEST_NAME_SIZE);

        for (size_t j = n; j < MANIFEST_NAME_SIZE; j++)
            if (name[j])
                return domb_error_set(err, -XEN_EINVAL,
                                      "entry %u has bytes after its terminating NUL", i);
        m->spec_names[i] = name;
    }
    return manifest_validate(m, err);
}
