/* ACPI tables for a PVH guest: RSDP, XSDT, FADT, MADT, DSDT (see builder/acpi.h). */
#include <builder/acpi.h>
#include <builder/pvh.h>
#include <domb/byteorder.h>
#include <domb/errno.h>
#include <domb/lib.h>

/* Fixed-size ACPI identifier fields: bytes, not C strings (no NUL). */
static const uint8_t oem_id[6] = {'D', 'O', 'M', 'B', ' ', ' '};
static const uint8_t oem_table_id[8] = {'D', 'O', 'M', 'B', 'P', 'V', 'H', ' '};
static const uint8_t creator_id[4] = {'D', 'O', 'M', 'B'};
static const uint8_t rsdp_sig[8] = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' '};
#define XSDT_ENTRIES 2u /* FADT, MADT */
#define MADT_FIXED   (ACPI_HDR_SIZE + 8u)
#define PROC_OBJ     13u /* ExtOp, ProcessorOp, PkgLength, NameSeg, ID, PBLK, PBLK length */
#define ALIGN16(x)   (((x) + 15u) & ~15u)

/* Byte offsets of the tables in the buffer, a function of the vCPU count. */
struct offsets {
    uint32_t rsdp, xsdt, fadt, madt, dsdt, end;
    uint32_t madt_len, dsdt_len, scope_body;
};

/* AML PkgLength: how many bytes encode a package whose contents (after the
 * PkgLength itself) are `body` bytes long. */
static uint32_t pkglen_bytes(uint32_t body)
{
    if (body + 1 < 0x40)
        return 1;
    if (body + 2 < 0x1000)
        return 2;
    if (body + 3 < 0x100000)
        return 3;
    return 4;
}

/* Write a PkgLength for `body` bytes of contents; returns its size. */
static uint32_t put_pkglen(uint8_t *p, uint32_t body)
{
    uint32_t n = pkglen_bytes(body), len = body + n;

    if (n == 1) {
        p[0] = (uint8_t)len;
        return 1;
    }
    p[0] = (uint8_t)(((n - 1) << 6) | (len & 0xf));
    for (uint32_t i = 1; i < n; i++)
        p[i] = (uint8_t)(len >> (4 + 8 * (i - 1)));
    return n;
}

static void plan(unsigned int nr_vcpus, struct offsets *o)
{
    o->rsdp = 0;
    o->xsdt = ALIGN16(ACPI_RSDP_SIZE);
    o->fadt = ALIGN16(o->xsdt + ACPI_HDR_SIZE + 8 * XSDT_ENTRIES);
    o->madt = ALIGN16(o->fadt + ACPI_FADT_SIZE);
    o->madt_len = MADT_FIXED + ACPI_MADT_LAPIC_SIZE * nr_vcpus;
    o->dsdt = ALIGN16(o->madt + o->madt_len);
    /* Scope: NameString "\_SB_" (5 bytes), then the processor objects. */
    o->scope_body = 5 + PROC_OBJ * nr_vcpus;
    o->dsdt_len = ACPI_HDR_SIZE + 1 + pkglen_bytes(o->scope_body) + o->scope_body;
    o->end = ALIGN16(o->dsdt + o->dsdt_len);
}

uint32_t acpi_tables_size(unsigned int nr_vcpus)
{
    struct offsets o;

    if (nr_vcpus == 0 || nr_vcpus > ACPI_MAX_VCPUS)
        return 0;
    plan(nr_vcpus, &o);
    return o.end;
}

/* Sum of bytes made zero by the checksum byte at p[at]. */
static void checksum(uint8_t *p, uint32_t len, uint32_t at)
{
    uint8_t sum = 0;

    p[at] = 0;
    for (uint32_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    p[at] = (uint8_t)(0x100 - sum);
}

/* The 36-byte System Description Table header (checksum filled later). */
static void header(uint8_t *p, const char sig[4], uint32_t len, uint8_t rev)
{
    memcpy(p, sig, 4);
    put_le32(p + 4, len);
    p[8] = rev;
    memcpy(p + 10, oem_id, sizeof(oem_id));
    memcpy(p + 16, oem_table_id, sizeof(oem_table_id));
    put_le32(p + 24, 1); /* OEM revision */
    memcpy(p + 28, creator_id, sizeof(creator_id));
    put_le32(p + 32, 1); /* creator revision */
}

static void write_rsdp(uint8_t *p, uint64_t xsdt)
{
    memcpy(p, rsdp_sig, sizeof(rsdp_sig));
    memcpy(p + 9, oem_id, sizeof(oem_id));
    p[15] = 2;           /* ACPI 2.0+: the XSDT is used */
    put_le32(p + 16, 0); /* no RSDT */
    put_le32(p + 20, ACPI_RSDP_SIZE);
    put_le64(p + 24, xsdt);
    checksum(p, 20, 8);              /* the ACPI 1.0 part */
    checksum(p, ACPI_RSDP_SIZE, 32); /* the whole structure */
}

static void write_fadt(uint8_t *p, uint64_t dsdt)
{
    header(p, "FACP", ACPI_FADT_SIZE, ACPI_FADT_REVISION);
    /* FIRMWARE_CTRL/X_FIRMWARE_CTRL 0: no FACS on hardware-reduced ACPI;
     * DSDT (32-bit) 0 as the spec asks when X_DSDT is given. PM profile,
     * SCI, SMI and every PM/GPE block stay 0. */
    put_le16(p + ACPI_FADT_BOOT_ARCH_OFF, ACPI_FADT_NO_VGA | ACPI_FADT_NO_CMOS_RTC);
    /* WBINVD | PROC_C1 | PWR_BUTTON | SLP_BUTTON (no fixed buttons) |
     * HW_REDUCED_ACPI */
    put_le32(p + ACPI_FADT_FLAGS_OFF,
             1u | (1u << 2) | (1u << 4) | (1u << 5) | ACPI_FADT_HW_REDUCED);
    put_le64(p + ACPI_FADT_X_DSDT_OFF, dsdt);
    checksum(p, ACPI_FADT_SIZE, 9);
}

static void write_madt(uint8_t *p, const struct acpi_config *cfg, uint32_t len)
{
    header(p, "APIC", len, 3);
    put_le32(p + 36, cfg->lapic_base);
    put_le32(p + 40, 0); /* flags: no PCAT_COMPAT, there is no 8259 */
    for (unsigned int i = 0; i < cfg->nr_vcpus; i++) {
        uint8_t *e = p + MADT_FIXED + ACPI_MADT_LAPIC_SIZE * i;

        e[0] = ACPI_MADT_LAPIC;
        e[1] = ACPI_MADT_LAPIC_SIZE;
        e[2] = (uint8_t)i;              /* ACPI processor UID = the DSDT's ProcID */
        e[3] = (uint8_t)pvh_apic_id(i); /* <= 254 for 128 vCPUs */
        /* libxl/hvmloader: a vCPU beyond the online ones is present but
         * not enabled (xl's maxvcpus above vcpus). */
        put_le32(e + 4, cfg->online && i >= cfg->online ? 0 : ACPI_MADT_LAPIC_ENABLED);
    }
    checksum(p, len, 9);
}

static char hexdigit(unsigned int v)
{
    return (char)(v < 10 ? '0' + v : 'A' + v - 10);
}

static void write_dsdt(uint8_t *p, const struct offsets *o, unsigned int nr_vcpus)
{
    uint8_t *q = p + ACPI_HDR_SIZE;

    header(p, "DSDT", o->dsdt_len, 2); /* revision 2: 64-bit integers */
    *q++ = 0x10;                       /* ScopeOp */
    q += put_pkglen(q, o->scope_body);
    memcpy(q, "\\_SB_", 5);
    q += 5;
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        *q++ = 0x5b; /* ExtOpPrefix */
        *q++ = ACPI_AML_PROCESSOR_OP;
        q += put_pkglen(q, PROC_OBJ - 3); /* NameSeg, ProcID, PblkAddr, PblkLen */
        *q++ = 'P';
        *q++ = 'R';
        *q++ = (uint8_t)hexdigit((i >> 4) & 0xf);
        *q++ = (uint8_t)hexdigit(i & 0xf);
        *q++ = (uint8_t)i; /* ProcID: matches the MADT UID */
        put_le32(q, 0);    /* no P_BLK */
        q += 4;
        *q++ = 0;
    }
    checksum(p, o->dsdt_len, 9);
}

int acpi_write_tables(const struct acpi_config *cfg, void *buf, uint32_t size,
                      struct acpi_tables *out, struct domb_error *err)
{
    uint8_t *p = buf;
    struct offsets o;
    uint64_t end;

    if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > ACPI_MAX_VCPUS)
        return domb_error_set(err, -XEN_EINVAL, "ACPI tables for %u vCPUs: 1 to %u are described",
                              cfg->nr_vcpus, ACPI_MAX_VCPUS);
    plan(cfg->nr_vcpus, &o);
    if (size < o.end)
        return domb_error_set(err, -XEN_EINVAL, "ACPI tables need %u bytes, the buffer has %u",
                              (unsigned)o.end, (unsigned)size);
    if ((cfg->base & 15) || add_overflows_u64(cfg->base, o.end, &end) || end > (1ULL << 32))
        return domb_error_set(err, -XEN_EINVAL,
                              "ACPI tables at 0x%llx must be 16-byte aligned and below 4 GiB",
                              (unsigned long long)cfg->base);
    memset(p, 0, o.end);
    out->rsdp = cfg->base + o.rsdp;
    out->xsdt = cfg->base + o.xsdt;
    out->fadt = cfg->base + o.fadt;
    out->madt = cfg->base + o.madt;
    out->dsdt = cfg->base + o.dsdt;
    out->size = o.end;

    write_dsdt(p + o.dsdt, &o, cfg->nr_vcpus);
    write_madt(p + o.madt, cfg, o.madt_len);
    write_fadt(p + o.fadt, out->dsdt);
    header(p + o.xsdt, "XSDT", ACPI_HDR_SIZE + 8 * XSDT_ENTRIES, 1);
    put_le64(p + o.xsdt + ACPI_HDR_SIZE, out->fadt);
    put_le64(p + o.xsdt + ACPI_HDR_SIZE + 8, out->madt);
    checksum(p + o.xsdt, ACPI_HDR_SIZE + 8 * XSDT_ENTRIES, 9);
    write_rsdp(p + o.rsdp, out->xsdt);
    return 0;
}
