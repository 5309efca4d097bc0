# The XSM/FLASK variant (docs/disaggregation.md): a Xen hypervisor with
# FLASK and domB's policy, built from Debian's bookworm source by
# tools/flask-xen/build-flask-xen into a cache that outlives build
# directories (a rerun with nothing changed costs a fraction of a second),
# and the boot sets its integration tests use (test/integration/flask.cmake).
# Off by default: the default build and its tests keep Debian's binary Xen;
# the `flask` presets turn it on.
option(DOMB_FLASK "Build the FLASK Xen and policy (cached) and register their tests" OFF)
# The cache is also where every build's policy tests compile the policy
# (test/tools/flask-xen: build-flask-xen --policy-only, about 2.5 s the
# first time, with Debian's source download; 0.1 s after).
set(DOMB_FLASK_CACHE "$ENV{HOME}/.cache/domb/flask-xen" CACHE PATH
    "Where build-flask-xen keeps Debian's Xen source, the FLASK hypervisor and the policy")
set(DOMB_FLASK_XEN ${DOMB_FLASK_CACHE}/current/xen.gz)
set(DOMB_FLASK_POLICY ${DOMB_FLASK_CACHE}/current/xenpolicy)
set(DOMB_FLASK_POLICY_CONF ${DOMB_FLASK_CACHE}/current/policy.conf)
if(NOT DOMB_FLASK)
    return()
endif()

# Always run: the script decides from its cache keys (source version, config,
# a hash of the policy files) whether anything needs building.
add_custom_target(flask-xen ALL
    COMMAND ${CMAKE_SOURCE_DIR}/tools/flask-xen/build-flask-xen ${DOMB_FLASK_CACHE}
    USES_TERMINAL
    COMMENT "FLASK Xen and policy (cached in ${DOMB_FLASK_CACHE})")

# ---- boot sets ----
# Three guests with distinct labels (one built under its build label and
# relabelled), one without a label (Xen's initial SID domU), one whose label
# the policy knows but does not let db-boot create (nomigrate_t is built
# through nomigrate_t_building only), one the policy does not know.
set(flask_hello ${DOMB_GUEST_DIR}/hello)
domb_guest_config(NAME f-domu KERNEL ${flask_hello} MEMORY 16 CMDLINE "greeting=domu"
    EXTRA "seclabel = \"system_u:system_r:domU_t\"")
domb_guest_config(NAME f-isolated KERNEL ${flask_hello} MEMORY 16 CMDLINE "greeting=isolated"
    EXTRA "seclabel = \"system_u:system_r:isolated_domU_t\"")
domb_guest_config(NAME f-guest KERNEL ${flask_hello} MEMORY 16 CMDLINE "greeting=guest"
    EXTRA "seclabel = \"system_u:system_r:domb_guest_t\""
          "init_seclabel = \"system_u:system_r:domb_guest_t_building\"")
domb_guest_config(NAME f-plain KERNEL ${flask_hello} MEMORY 16 CMDLINE "greeting=plain")
domb_guest_config(NAME f-denied KERNEL ${flask_hello} MEMORY 16
    EXTRA "seclabel = \"system_u:system_r:nomigrate_t\"")
domb_guest_config(NAME f-unknown KERNEL ${flask_hello} MEMORY 16
    EXTRA "seclabel = \"system_u:system_r:no_such_t\"")
domb_boot_set(flask-three CONFIGS f-domu f-isolated f-guest f-plain PACK_ARGS --when-done wait)
domb_boot_set(flask-denied CONFIGS f-domu f-denied f-unknown f-guest PACK_ARGS --when-done wait)

# A guest that tries domctls on dom0 and on another guest (f-target, kept
# after it powers off so that it still exists): FLASK refuses each.
domb_guest_config(NAME f-target KERNEL ${flask_hello} MEMORY 16 CMDLINE "greeting=target"
    EXTRA "seclabel = \"system_u:system_r:domb_guest_t\""
          "init_seclabel = \"system_u:system_r:domb_guest_t_building\""
          "on_poweroff = \"preserve\"")
domb_guest_config(NAME f-probe KERNEL ${DOMB_GUEST_DIR}/xsm-probe MEMORY 16
    CMDLINE "xsm_probe.target=1"
    EXTRA "seclabel = \"system_u:system_r:domb_guest_t\""
          "init_seclabel = \"system_u:system_r:domb_guest_t_building\"")
domb_boot_set(flask-probe CONFIGS f-target f-probe PACK_ARGS --when-done wait)
# The same configs on Debian's Xen (no XSM): the labels are refused, the
# VM without one starts.
domb_boot_set(flask-noxsm CONFIGS f-domu f-plain PACK_ARGS --when-done wait)
# The probe on Debian's Xen: the dummy XSM refuses a guest's domctls with
# -EPERM (only a privileged domain may), where FLASK answers -EACCES.
domb_guest_config(NAME f-target-plain KERNEL ${flask_hello} MEMORY 16 CMDLINE "greeting=target"
    EXTRA "on_poweroff = \"preserve\"")
domb_guest_config(NAME f-probe-eperm KERNEL ${DOMB_GUEST_DIR}/xsm-probe MEMORY 16
    CMDLINE "xsm_probe.target=1 xsm_probe.expect=eperm")
domb_boot_set(flask-probe-noxsm CONFIGS f-target-plain f-probe-eperm PACK_ARGS --when-done wait)
# The probe with the builder's label (domb_builder_t, what db-server will run
# as): it may create, read and destroy a domain under the guests' build
# label, and not create a domU_t, pause dom0, or touch a guest it did not
# build... as far as types tell (f-target is a domb_guest_t too: FLASK
# cannot tell whose guest it is, see docs/disaggregation.md).
domb_guest_config(NAME f-builder KERNEL ${DOMB_GUEST_DIR}/xsm-probe MEMORY 16
    CMDLINE "xsm_probe.builder=1"
    EXTRA "seclabel = \"system_u:system_r:domb_builder_t\"")
domb_boot_set(flask-builder CONFIGS f-builder PACK_ARGS --when-done wait)

# ---- the disaggregated platform (issue 18, steps 3 and 4) ----
# db-boot (dom0) builds db-server, an ordinary domain labelled
# domb_builder_t (db_builder = 1: it gets VIRQ_DOM_EXC), and one VM of its
# own. db-server's archive (its ramdisk) holds the control domain, built by
# db-server under domb_control_t's build label, and the catalog; the
# control domain asks db-server for the four VMs of its platform
# description (one of them PVH), which db-server labels domb_guest_t
# (built as domb_guest_t_building) from its command line. Nothing of it
# runs in dom0 but db-boot.
set(DOMB_PLATFORM_FLASK_DIR ${CMAKE_BINARY_DIR}/platform-flask)
file(MAKE_DIRECTORY ${DOMB_PLATFORM_FLASK_DIR})
file(WRITE ${DOMB_PLATFORM_FLASK_DIR}/1-hello.cfg
    "name = \"d-hello\"\nkernel = \"hello\"\nmemory = 16\ncmdline = \"greeting=disaggregated\"\non_exit = \"preserve\"\n")
file(WRITE ${DOMB_PLATFORM_FLASK_DIR}/2-walk16.cfg
    "name = \"d-walk16\"\nkernel = \"memorywalk\"\nmemory = 16\ncmdline = \"memorywalk.mib=16\"\non_exit = \"preserve\"\n")
file(WRITE ${DOMB_PLATFORM_FLASK_DIR}/3-walk32.cfg
    "name = \"d-walk32\"\nkernel = \"memorywalk\"\nmemory = 32\ncmdline = \"memorywalk.mib=32\"\non_exit = \"preserve\"\n")
set(DOMB_PLATFORM_FLASK_CPIO ${CMAKE_BINARY_DIR}/guests/platform-flask.cpio)
file(WRITE ${DOMB_PLATFORM_FLASK_DIR}/4-hello-pvh.cfg
    "name = \"d-pvh\"\ntype = \"pvh\"\nkernel = \"hello\"\nmemory = 32\ncmdline = \"greeting=pvh\"\non_exit = \"preserve\"\n")
domb_platform_cpio(${DOMB_PLATFORM_FLASK_DIR} ${DOMB_PLATFORM_FLASK_CPIO}
    COMMENT "Packing the disaggregated platform's description"
    CONFIGS 1-hello.cfg 2-walk16.cfg 3-walk32.cfg 4-hello-pvh.cfg)
# Two variants: the normal run, and one that also proves denials from
# db-server's and the control domain's own code (db-server's
# domb.isolation_check, the control domain's control.probe_map).
set(d_labels "domb.guest_seclabel=system_u:system_r:domb_guest_t domb.guest_init_seclabel=system_u:system_r:domb_guest_t_building")
# A VM of db-boot's beside db-server (domid 2, Xen's default domU_t): not
# db-server's, so db-server's isolation check must find it out of reach.
domb_guest_config(NAME d-other KERNEL ${flask_hello} MEMORY 16 CMDLINE "greeting=not-the-servers"
    EXTRA "on_exit = \"preserve\"")
foreach(v normal denials shell)
    set(when wait)
    if(v STREQUAL "denials")
        set(ctl_extra " control.probe_map=1")
        set(srv_extra " domb.isolation_check=0,2")
        set(sfx "-denials")
    elseif(v STREQUAL "shell")
        # db-server stays, so that the operator can reach its shell.
        set(ctl_extra "")
        set(srv_extra "")
        set(sfx "-shell")
        set(when stay)
    else()
        set(ctl_extra "")
        set(srv_extra "")
        set(sfx "")
    endif()
    domb_guest_config(NAME d-control CONFIG_NAME d-control${sfx}
        KERNEL ${DOMB_IMAGE_DIR}/builder/main/control-domain MEMORY 16
        RAMDISK ${DOMB_PLATFORM_FLASK_CPIO} CMDLINE "control.pings=5 control.rounds=2${ctl_extra}"
        EXTRA "db_client = 1" "db_client_max_vms = 4" "db_client_max_memory = 96"
              "seclabel = \"system_u:system_r:domb_control_t\""
              "init_seclabel = \"system_u:system_r:domb_control_t_building\"")
    domb_boot_set(flask-server-inner${sfx} CONFIGS d-control${sfx} PACK_ARGS --when-done ${when}
        --image ${DOMB_GUEST_DIR}/hello --image ${DOMB_GUEST_DIR}/memorywalk
        DEPENDS ${DOMB_PLATFORM_FLASK_CPIO})
    domb_guest_config(NAME d-server CONFIG_NAME d-server${sfx}
        KERNEL ${DOMB_IMAGE_DIR}/builder/main/db-server MEMORY 96
        RAMDISK ${DOMB_SET_DIR}/flask-server-inner${sfx}.cpio CMDLINE "${d_labels}${srv_extra}"
        EXTRA "db_builder = 1" "seclabel = \"system_u:system_r:domb_builder_t\""
              "on_exit = \"destroy\"")
    domb_boot_set(flask-disaggregated${sfx} CONFIGS d-server${sfx} d-other PACK_ARGS --when-done wait
        DEPENDS ${DOMB_SET_DIR}/flask-server-inner${sfx}.cpio)
endforeach()
