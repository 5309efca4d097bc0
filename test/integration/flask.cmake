# db-boot under a Xen with XSM/FLASK enforcing domB's policy
# (docs/disaggregation.md), included by test/integration/CMakeLists.txt.
# Registered only with DOMB_FLASK (the `flask` presets): the hypervisor and
# policy come from tools/flask-xen/build-flask-xen's cache (cmake/DombFlask.cmake,
# which also defines the boot sets), labelled `flask` besides `integration`.
if(NOT DOMB_FLASK)
    return()
endif()

set(FLASK_XEN XEN ${DOMB_FLASK_XEN} FLASK_POLICY ${DOMB_FLASK_POLICY})
set(FLASK_ON "(XEN) Flask:  Starting in enforcing mode.")

# Three guests with distinct labels (f-guest built as domb_guest_t_building
# and relabelled) and one without a label (Xen's initial SID domU): all run,
# the summary shows each label, and Xen denies nothing.
domb_qemu_test(flask-three KERNEL ${IMG}/builder/main/db-boot INITRD ${SETS}/flask-three.cpio
    ${FLASK_XEN} TIMEOUT 120
    EXPECT "${FLASK_ON}" "[f-domu] Test result: SUCCESS" "[f-isolated] Test result: SUCCESS"
           "[f-guest] Test result: SUCCESS" "[f-plain] Test result: SUCCESS"
           "f-domu           seclabel system_u:system_r:domU_t"
           "f-isolated       seclabel system_u:system_r:isolated_domU_t"
           "f-guest          seclabel system_u:system_r:domb_guest_t (built as system_u:system_r:domb_guest_t_building)"
           "db-boot: done: 4 built, 0 failed, 0 exited abnormally"
    REJECT "avc:  denied" "FAIL")

# Denials: a label the policy knows but does not let db-boot create
# (nomigrate_t is built through its build label only) is refused by
# createdomain, Xen's avc line names it and the caller's error says so; a
# label the policy does not know is refused by FLASK_CONTEXT_TO_SID before
# anything is made. The other VMs still start, and nothing else is denied.
domb_qemu_test(flask-denied KERNEL ${IMG}/builder/main/db-boot INITRD ${SETS}/flask-denied.cpio
    ${FLASK_XEN} TIMEOUT 120 STATUS 1
    EXPECT "${FLASK_ON}"
           "(XEN) avc:  denied  { create } for current=d0 scontext=system_u:system_r:dom0_t tcontext=system_u:system_r:nomigrate_t tclass=domain"
           "db: vm 'f-denied' FAILED: seclabel 'system_u:system_r:nomigrate_t': createdomain with ssidref "
           "refused: error -13 (the XSM policy forbids it; Xen logs avc: denied { create })"
           "db: vm 'f-unknown' FAILED: seclabel 'system_u:system_r:no_such_t' is not a label of the loaded FLASK policy (FLASK_CONTEXT_TO_SID: error -22)"
           "[f-domu] Test result: SUCCESS" "[f-guest] Test result: SUCCESS"
           "db-boot: done: 2 built, 2 failed, 0 exited abnormally"
    REJECT "tclass=event" "tclass=mmu" "{ destroy }")

# A guest tries domctls on dom0 and on another guest: FLASK refuses each
# (-EACCES in the guest, an avc line per attempt in Xen's log).
domb_qemu_test(flask-guest-domctl KERNEL ${IMG}/builder/main/db-boot
    INITRD ${SETS}/flask-probe.cpio ${FLASK_XEN} TIMEOUT 120
    EXPECT "${FLASK_ON}" "db: vm 'f-target' built: domid 1"
           "[f-probe] xsm_probe: pausedomain of domain 0: error -13 (refused, as expected)"
           "[f-probe] xsm_probe: getdomaininfo of domain 1: error -13 (refused, as expected)"
           "[f-probe] xsm_probe: destroydomain of domain 1: error -13 (refused, as expected)"
           "[f-probe] Test result: SUCCESS (every attempt refused with error -13)"
           "(XEN) avc:  denied  { pause } for source=d2 target=d0 scontext=system_u:system_r:domb_guest_t tcontext=system_u:system_r:dom0_t tclass=domain"
           "(XEN) avc:  denied  { getdomaininfo } for source=d2 target=d1 scontext=system_u:system_r:domb_guest_t tcontext=system_u:system_r:domb_guest_t tclass=domain"
           "(XEN) avc:  denied  { destroy } for source=d2 target=d1 scontext=system_u:system_r:domb_guest_t tcontext=system_u:system_r:domb_guest_t tclass=domain"
    REJECT "FAIL" "ALLOWED")

# The builder's label as an ordinary domain (what db-server will run as):
# the probe, labelled domb_builder_t, creates a domain under the guests'
# build label, gives it memory, maps and writes its frame, relabels it to
# domb_guest_t and then may no longer map it (-EACCES, Xen's avc line),
# reads and destroys it; it may not create a domU_t nor pause dom0.
set(B "[f-builder] xsm_probe: builder:")
domb_qemu_test(flask-builder-label KERNEL ${IMG}/builder/main/db-boot
    INITRD ${SETS}/flask-builder.cpio ${FLASK_XEN} TIMEOUT 120
    EXPECT "${FLASK_ON}" "db: vm 'f-builder' built: domid 1"
           "${B} createdomain under the build label of domain 2: error 0 (allowed, as expected)"
           "${B} max_mem of domain 2: error 0 (allowed, as expected)"
           "${B} populate_physmap (1 page) of domain 2: error 0 (allowed, as expected)"
           "${B} foreign mapping of its frame of domain 2: error 0 (allowed, as expected)"
           "${B} relabel to domb_guest_t of domain 2: error 0 (allowed, as expected)"
           "${B} foreign mapping after the relabel of domain 2: error -13 (refused, as expected)"
           "(XEN) avc:  denied  { map_read map_write } for source=d1 target=d2 scontext=system_u:system_r:domb_builder_t tcontext=system_u:system_r:domb_guest_t tclass=mmu"
           "${B} getdomaininfo of domain 2: error 0 (allowed, as expected)"
           "${B} destroydomain of domain 2: error 0 (allowed, as expected)"
           "${B} createdomain as domU_t of domain 0: error -13 (refused, as expected)"
           "(XEN) avc:  denied  { create } for current=d1 scontext=system_u:system_r:domb_builder_t tcontext=system_u:system_r:domU_t tclass=domain"
           "[f-builder] xsm_probe: pausedomain of domain 0: error -13 (refused, as expected)"
           "[f-builder] Test result: SUCCESS"
    REJECT "FAIL" "ALLOWED" "REFUSED")

# Debian's Xen (no XSM) with the same configs: a seclabel is refused with
# a reason (xsm_op answers -ENOSYS), the VM without one starts as always.
domb_qemu_test(flask-noxsm KERNEL ${IMG}/builder/main/db-boot INITRD ${SETS}/flask-noxsm.cpio
    TIMEOUT 120 STATUS 1
    EXPECT "db: vm 'f-domu' FAILED: seclabel 'system_u:system_r:domU_t' needs a Xen with XSM/FLASK, and this one has none (xsm_op: error -38)"
           "[f-plain] Test result: SUCCESS" "db-boot: done: 1 built, 1 failed, 0 exited abnormally")

# The probe on Debian's Xen: the dummy XSM answers -EPERM (only a
# privileged domain may issue domctls) where FLASK answers -EACCES.
domb_qemu_test(flask-noxsm-domctl KERNEL ${IMG}/builder/main/db-boot
    INITRD ${SETS}/flask-probe-noxsm.cpio TIMEOUT 120
    EXPECT "db: vm 'f-target-plain' built: domid 1"
           "[f-probe-eperm] xsm_probe: pausedomain of domain 0: error -1 (refused, as expected)"
           "[f-probe-eperm] xsm_probe: destroydomain of domain 1: error -1 (refused, as expected)"
           "[f-probe-eperm] Test result: SUCCESS (every attempt refused with error -1)"
    REJECT "FAIL" "ALLOWED")

foreach(t flask-three flask-denied flask-guest-domctl flask-builder-label flask-noxsm
        flask-noxsm-domctl)
    set_tests_properties(integration.${t} PROPERTIES LABELS "integration;flask")
endforeach()
