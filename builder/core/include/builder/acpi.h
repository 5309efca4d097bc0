/*
 * ACPI tables for a PVH guest: a pure writer (no I/O, no allocation) that
 * lays the tables out in a caller's buffer, which the builder then copies to
 * guest-physical address `base`.
 *
 * What a PVH guest needs to see every vCPU (libxl builds the same kind of
 * tables with tools/libacpi for a PVH guest; hvm_start_info.rsdp_paddr points
 * at the RSDP):
 *
 *   RSDP (revision 2) -> XSDT -> FADT, MADT
 *   FADT: revision 5, hardware-reduced (no PM blocks, no FACS, no SCI), no
 *         VGA, no CMOS RTC (a PVH guest has only an emulated local APIC);
 *         X_DSDT -> DSDT
 *   MADT: the local APIC address and one enabled Processor Local APIC entry
 *         per vCPU (ACPI processor UID n, APIC ID 2n as Xen's vLAPIC numbers
 *         them; all fit xAPIC entries: HVM guests have at most 128 vCPUs)
 *   DSDT: Scope (\_SB) { Processor (PRxx, n, 0, 0) {} per vCPU }, the
 *         processor objects whose IDs match the MADT's UIDs
 *
 * Every table carries a correct checksum (the RSDP both of its own).
 */
#ifndef BUILDER_ACPI_H
#define BUILDER_ACPI_H

#include <domb/error.h>
#include <domb/types.h>

/* Most vCPUs the writer describes (Xen's HVM_MAX_VCPUS). */
#define ACPI_MAX_VCPUS 128u

/* Table signatures and the ACPI values the writer uses, for readers. */
#define ACPI_RSDP_SIG           "RSD PTR "
#define ACPI_RSDP_SIZE          36u
#define ACPI_HDR_SIZE           36u
#define ACPI_FADT_SIZE          268u /* ACPI 5.0 */
#define ACPI_FADT_REVISION      5u
#define ACPI_FADT_HW_REDUCED    (1u << 20)
#define ACPI_FADT_FLAGS_OFF     112u
#define ACPI_FADT_BOOT_ARCH_OFF 109u
#define ACPI_FADT_X_DSDT_OFF    140u
#define ACPI_FADT_NO_VGA        (1u << 2)
#define ACPI_FADT_NO_CMOS_RTC   (1u << 5)
#define ACPI_MADT_LAPIC         0u /* Processor Local APIC structure */
#define ACPI_MADT_LAPIC_SIZE    8u
#define ACPI_MADT_LAPIC_ENABLED 1u
#define ACPI_AML_PROCESSOR_OP   0x83u /* after ExtOpPrefix 0x5b */

struct acpi_config {
    uint64_t base;         /* guest-physical address of the buffer's first byte */
    unsigned int nr_vcpus; /* 1..ACPI_MAX_VCPUS */
    unsigned int online;   /* vCPUs enabled in the MADT (0: all); the rest start offline */
    uint32_t lapic_base;   /* the MADT's local APIC address */
};

/* Where the writer put each table (guest-physical addresses). */
struct acpi_tables {
    uint64_t rsdp, xsdt, fadt, madt, dsdt;
    uint32_t size; /* bytes used from base */
};

/* Bytes acpi_write_tables() needs for nr_vcpus (0 if nr_vcpus is out of
 * range). */
uint32_t acpi_tables_size(unsigned int nr_vcpus);

/*
 * Write the tables into buf[0..size): every byte up to acpi_tables_size() is
 * written (padding zero). Returns 0 and fills *out, or -XEN_EINVAL (vCPU
 * count out of range, buffer too small, base not 16-byte aligned or the
 * tables would not lie below 4 GiB) with a sentence in *err.
 */
int acpi_write_tables(const struct acpi_config *cfg, void *buf, uint32_t size,
                      struct acpi_tables *out, struct domb_error *err);

#endif
