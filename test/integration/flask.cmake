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
           "db-boot: keeping the rights to build: vm 'f-domu' may be built again (its on_exit, or domb.keep_images=1)"
    REJECT "avc:  denied" "FAIL" "gave up the rights")

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

# The disaggregated platform (issue 18): db-boot (dom0) builds db-server as
# an ordinary domain labelled domb_builder_t and hands it VIRQ_DOM_EXC;
# db-server builds the control domain from its own archive (domb_control_t,
# built as domb_control_t_building), and the control domain has it build,
# run, destroy and build again the four VMs of its platform description
# (three PV, one PVH),
# labelled domb_guest_t by db-server's command line. No denial in a normal
# run. The second round's memory verdict must be equal: under FLASK the
# first one finds Xen 3 pages short, once (Xen's own caches grow as the
# first builds meet new label pairs; the same with db-server as dom0).
set(DIS "[d-server] ")
set(DIS_SUMMARY
    "${DIS}d-control        seclabel system_u:system_r:domb_control_t (built as system_u:system_r:domb_control_t_building)"
    "${DIS}d-hello          seclabel system_u:system_r:domb_guest_t (built as system_u:system_r:domb_guest_t_building)"
    "${DIS}d-walk16         seclabel system_u:system_r:domb_guest_t (built as system_u:system_r:domb_guest_t_building)"
    "${DIS}d-walk32         seclabel system_u:system_r:domb_guest_t (built as system_u:system_r:domb_guest_t_building)"
    "${DIS}d-pvh            seclabel system_u:system_r:domb_guest_t (built as system_u:system_r:domb_guest_t_building)"
    "d-server         seclabel system_u:system_r:domb_builder_t")
set(DIS_RUN
    "${FLASK_ON}" "db: vm 'd-server' built: domid 1, pv, 96 MiB"
    "db: vm 'd-server' is a domain builder (VIRQ_DOM_EXC)"
    "db-boot: nothing is left to build: gave up the rights to build, now system_u:system_r:domb_dom0_run_t (runs, watches and destroys the VMs; creates and maps none)"
    "${DIS}domB db-server 0.1: Xen domain builder serving requests (dom0=no)"
    "${DIS}db: building as an ordinary domain (domid 1)"
    "${DIS}db: vm 'd-control' built: domid 3, pv, 16 MiB"
    "${DIS}[d-control] control: round 2 of 2"
    "${DIS}[d-control] Test result: SUCCESS (4 VMs built through db-server, all powered off, all destroyed)"
    "${DIS}[d-pvh] hello: booted as PVH"
    "${DIS}db-server: done: 1 built, 0 failed, 0 exited abnormally"
    "db-boot: done: 2 built, 0 failed, 0 exited abnormally")
# The builder's hypercalls per build are the same as a domU and as dom0
# (flask-server-dom0 below): one populate_physmap call either way, with
# order-9 extents here and order-12 ones in dom0.
set(DIS_HYPERCALLS
    "built 'd-hello': domid [0-9]+, pv, 16 MiB, [0-9]+ us, 16 hypercalls"
    "built 'd-walk16': domid [0-9]+, pv, 16 MiB, [0-9]+ us, 16 hypercalls"
    "built 'd-walk32': domid [0-9]+, pv, 32 MiB, [0-9]+ us, 16 hypercalls"
    "built 'd-pvh': domid [0-9]+, pvh, 32 MiB, [0-9]+ us, 16 hypercalls")
set(DIS_EQUAL "every requested VM is gone: Xen free pages ([0-9]+) \\(before the first build \\1: equal\\), builder free pages ([0-9]+) \\(before \\2: equal\\)")
domb_qemu_test(flask-disaggregated KERNEL ${IMG}/builder/main/db-boot
    INITRD ${SETS}/flask-disaggregated.cpio ${FLASK_XEN} TIMEOUT 240
    EXPECT ${DIS_RUN} ${DIS_SUMMARY}
    EXPECT_RE "${DIS_EQUAL}" ${DIS_HYPERCALLS}
    REJECT "avc:  denied" "FAIL" "isolation check")

# db-server's own archive booted with db-server as dom0 under the same
# FLASK Xen and labels: the baseline for the hypercall counts above.
domb_qemu_test(flask-server-dom0 KERNEL ${IMG}/builder/main/db-server
    INITRD ${SETS}/flask-server-inner.cpio ${FLASK_XEN} TIMEOUT 240
    KERNEL_CMDLINE "qemu_exit=0xf4 ${d_labels}"
    EXPECT "${FLASK_ON}" "domB db-server 0.1: Xen domain builder serving requests (dom0=yes)"
           "[d-control] Test result: SUCCESS (4 VMs built through db-server"
    EXPECT_RE "${DIS_EQUAL}" ${DIS_HYPERCALLS}
    REJECT "avc:  denied" "FAIL" "building as an ordinary domain")

# The same platform proving the denials from the denied code itself:
# db-boot, once it gave up building (domb_dom0_run_t), may create no domain
# and map none of its VMs, and still reads them (domb.isolation_check= on
# its command line);
# db-server (domb.isolation_check=0,2) may not read, pause or map dom0 or
# db-boot's other VM (domU_t), nor map the control domain it built once
# relabelled, nor any VM it starts on request (each checked as it starts); the control domain (control.probe_map=1) may not map the VMs
# it had built. Each refusal is -EACCES in the caller and an avc line in
# Xen's log.
set(ISO "${DIS}db: isolation check:")
set(AVC "(XEN) avc:  denied  ")
set(BUILDER "scontext=system_u:system_r:domb_builder_t")
# dom0 is dom0_t until db-boot gives up building (just after it started
# db-server), domb_dom0_run_t after: either may be what db-server meets.
set(DOM0_LABEL "tcontext=system_u:system_r:(dom0_t|domb_dom0_run_t)")
domb_qemu_test(flask-disaggregated-denials KERNEL ${IMG}/builder/main/db-boot
    INITRD ${SETS}/flask-disaggregated-denials.cpio ${FLASK_XEN} TIMEOUT 240
    KERNEL_CMDLINE "qemu_exit=0xf4 domb.isolation_check="
    EXPECT ${DIS_RUN} ${DIS_SUMMARY}
           "db: isolation check: createdomain (a new domU_t): error -13 (refused, as it must be)"
           "db: isolation check: getdomaininfo of domain 1 (d-server): error 0 (allowed, as it must be)"
           "db: isolation check: mapping its start_info frame of domain 1 (d-server): error -13 (refused, as it must be)"
           "db: isolation check: getdomaininfo of domain 2 (d-other): error 0 (allowed, as it must be)"
           "db: isolation check: mapping its start_info frame of domain 2 (d-other): error -13 (refused, as it must be)"
           "db: isolation check: 5 of 5 attempts as they must be"
           "${AVC}{ create } for current=d0 scontext=system_u:system_r:domb_dom0_run_t tcontext=system_u:system_r:domU_t tclass=domain"
           "${AVC}{ map_read map_write } for source=d0 target=d2 scontext=system_u:system_r:domb_dom0_run_t tcontext=system_u:system_r:domU_t tclass=mmu"
           "${ISO} getdomaininfo of domain 0 (not ours): error -13 (refused, as it must be)"
           "${ISO} pause of domain 0 (not ours): error -13 (refused, as it must be)"
           "${ISO} foreign mapping of domain 0 (not ours): error -13 (refused, as it must be)"
           "${ISO} getdomaininfo of domain 2 (not ours): error -13 (refused, as it must be)"
           "${ISO} pause of domain 2 (not ours): error -13 (refused, as it must be)"
           "${ISO} foreign mapping of domain 2 (not ours): error -13 (refused, as it must be)"
           "${ISO} getdomaininfo of domain 3 (d-control): error 0 (allowed, as it must be)"
           "${ISO} mapping its start_info frame after the relabel of domain 3 (d-control): error -13 (refused, as it must be)"
           "${ISO} 8 of 8 attempts as they must be"
           "${ISO} getdomaininfo of domain 4 (d-hello): error 0 (allowed, as it must be)"
           "${ISO} mapping its start_info frame after the relabel of domain 4 (d-hello): error -13 (refused, as it must be)"
           "${ISO} mapping its start_info frame after the relabel of domain 10 (d-walk32): error -13 (refused, as it must be)"
           "${ISO} mapping its start_info frame after the relabel of domain 11 (d-pvh): error -13 (refused, as it must be)"
           "${AVC}{ map_read map_write } for source=d1 target=d4 ${BUILDER} tcontext=system_u:system_r:domb_guest_t tclass=mmu"
           "${AVC}{ getdomaininfo } for source=d1 target=d2 ${BUILDER} tcontext=system_u:system_r:domU_t tclass=domain"
           "${AVC}{ pause } for source=d1 target=d2 ${BUILDER} tcontext=system_u:system_r:domU_t tclass=domain"
           "${AVC}{ map_read map_write } for source=d1 target=d2 ${BUILDER} tcontext=system_u:system_r:domU_t tclass=mmu"
           "${AVC}{ map_read map_write } for source=d1 target=d3 ${BUILDER} tcontext=system_u:system_r:domb_control_t tclass=mmu"
           "${DIS}[d-control] control: mapping the start_info frame"
           "of 'd-hello' (domid 4): error -13 (refused, as it must be)"
           "of 'd-walk32' (domid 10): error -13 (refused, as it must be)"
           "${AVC}{ map_read map_write } for source=d3 target=d4 scontext=system_u:system_r:domb_control_t tcontext=system_u:system_r:domb_guest_t_building tclass=mmu"
    EXPECT_RE
        "avc:  denied  { getdomaininfo } for source=d1 target=d0 ${BUILDER} ${DOM0_LABEL} tclass=domain"
        "avc:  denied  { pause } for source=d1 target=d0 ${BUILDER} ${DOM0_LABEL} tclass=domain"
        "avc:  denied  { map_read map_write } for source=d1 target=d0 ${BUILDER} ${DOM0_LABEL} tclass=mmu"
    REJECT "FAIL" "ALLOWED" "REFUSED, which" "tcontext=system_u:system_r:domb_guest_t tclass=domain"
           "tcontext=system_u:system_r:domb_guest_t tclass=event")
set_tests_properties(integration.flask-disaggregated integration.flask-disaggregated-denials
    integration.flask-server-dom0 PROPERTIES LABELS "integration;flask")
