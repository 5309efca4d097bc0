# Network and disk devices (xl vif/disk) served by a Linux driver domain
# (docs/devices.md, "The driver domain").
#
# integration.devices-sets (setup) makes the fixture from Debian packages
# (test/linux/make-devices-fixture: Debian's kernel, a driver domain running
# Xen's own `xl devd` and hotplug scripts, a guest initramfs with netfront,
# blkfront and the test roles of test/linux/device-roles) and packs the boot
# sets below. Without network it is skipped (77), removes the sets, and the
# tests skip too: their missing initramfs matches DOMB_DEVICES_SKIP.
set(DOMB_DEVICES_CACHE ${CMAKE_BINARY_DIR}/devices-cache)
set(DOMB_DEVICES_SETS ${CMAKE_BINARY_DIR}/devices-sets)
set(DOMB_DEVICES_SKIP "domb-iso: [^ ]*/devices-sets/devices-[a-z-]+\\.cpio: no such file")
set(DOMB_DEVICES_XEN_CMDLINE
    "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all dom0_mem=192M,max:192M dom0_max_vcpus=1")
# PV only, so not domb-run's EPYC model: with it, several Linux PV guests at
# once crash in user space (a wrong FS base after a switch between guests;
# docs/devices.md, "The driver domain"). Haswell-noTSX runs them cleanly.
set(DOMB_DEVICES_CPU Haswell-noTSX)
# Two QEMU CPUs: Xen gets two physical CPUs, so the driver domain is not
# starved while a guest boots (with one, it hit soft lockups of minutes on
# a loaded machine; integration.linux-pvh saw the same).
set(DOMB_DEVICES_SMP 2)
set(dd_kernel ${DOMB_DEVICES_CACHE}/vmlinuz)
set(dd_initrd ${DOMB_DEVICES_CACHE}/driver-domain.cpio)
set(guest_initrd ${DOMB_DEVICES_CACHE}/device-guest.cpio)
set(guest_cmdline "console=hvc0 quiet domb.expect_mib=128 domb.expect_cpus=1")

# The driver domain: xenbr0, the disk images in /srv (driver-domain-init).
# Its hotplug side is the script in its /init (domb.hotplug=script): Xen's
# own (xl devd and its scripts) took longer than libxl's fixed 40 s per
# script here with three Linux guests booting (docs/devices.md).
domb_guest_config(NAME dd CONFIG_NAME dev-dd KERNEL ${dd_kernel} MEMORY 192 RAMDISK ${dd_initrd}
    CMDLINE "console=hvc0 quiet domb.bridges=xenbr0 domb.hotplug=script" EXTRA "driver_domain = 1")
# The same alone with Xen's xl devd, powering off once it is ready (needs
# no device wiring).
domb_guest_config(NAME dd CONFIG_NAME dd-boot KERNEL ${dd_kernel} MEMORY 192 RAMDISK ${dd_initrd}
    CMDLINE "console=hvc0 quiet domb.bridges=xenbr0,xenbr1 domb.dd_exit=ready")
# Two guests on xenbr0 (IPv4 link-local addresses: the bridge has no uplink,
# nothing leaves the emulated machine).
domb_guest_config(NAME net-b CONFIG_NAME dev-net-b KERNEL ${dd_kernel} MEMORY 128
    RAMDISK ${guest_initrd}
    CMDLINE "${guest_cmdline} domb.test=net-b domb.ip=169.254.0.2/16 domb.peer=169.254.0.1"
    EXTRA "vif = [ \"bridge=xenbr0\" ]")
domb_guest_config(NAME net-a CONFIG_NAME dev-net-a KERNEL ${dd_kernel} MEMORY 128
    RAMDISK ${guest_initrd}
    CMDLINE "${guest_cmdline} domb.test=net-a domb.ip=169.254.0.1/16 domb.peer=169.254.0.2"
    EXTRA "vif = [ \"bridge=xenbr0\" ]")
# A writable disk, kept across a restart.
domb_guest_config(NAME rw CONFIG_NAME dev-rw KERNEL ${dd_kernel} MEMORY 128 RAMDISK ${guest_initrd}
    CMDLINE "${guest_cmdline} domb.test=disk-rw"
    EXTRA "disk = [ \"vdev=xvda,access=rw,target=/srv/disk-rw.img\" ]" "on_reboot = \"restart\""
          "on_poweroff = \"destroy\"")
# One read-only disk image for two guests.
foreach(g ro-a ro-b)
    domb_guest_config(NAME ${g} CONFIG_NAME dev-${g} KERNEL ${dd_kernel} MEMORY 128
        RAMDISK ${guest_initrd} CMDLINE "${guest_cmdline} domb.test=disk-ro"
        EXTRA "disk = [ \"vdev=xvda,access=ro,target=/srv/disk-ro.img\" ]")
endforeach()
# Devices the driver domain cannot provide.
domb_guest_config(NAME bad-vif CONFIG_NAME dev-bad-vif KERNEL ${dd_kernel} MEMORY 128
    RAMDISK ${guest_initrd} CMDLINE "${guest_cmdline} domb.test=wait"
    EXTRA "vif = [ \"bridge=xenbr9\" ]")
domb_guest_config(NAME bad-disk CONFIG_NAME dev-bad-disk KERNEL ${dd_kernel} MEMORY 128
    RAMDISK ${guest_initrd} CMDLINE "${guest_cmdline} domb.test=wait"
    EXTRA "disk = [ \"vdev=xvda,access=rw,target=/srv/no-such-disk.img\" ]")
# The tests CI runs (two Linux domains at most): a driver domain with
# Xen's own hotplug side (xl devd running vif-bridge and block), an
# address on xenbr0 and a sink for one stream, and one Linux guest with a
# vif and a disk; then our own small guests, which have no frontends (the
# backends and hotplug side run all the same: netback makes vifF.N and
# blkback waits for physical-device at probe time), with devices that
# cannot be provided and one that is built and destroyed again and again.
set(DOMB_DD_ADDR 169.254.0.1)
domb_guest_config(NAME dd CONFIG_NAME dev-dd-peer KERNEL ${dd_kernel} MEMORY 192 RAMDISK ${dd_initrd}
    CMDLINE "console=hvc0 quiet domb.bridges=xenbr0 domb.ip=${DOMB_DD_ADDR}/16 domb.sink=5000"
    EXTRA "driver_domain = 1")
domb_guest_config(NAME nd CONFIG_NAME dev-nd KERNEL ${dd_kernel} MEMORY 128 RAMDISK ${guest_initrd}
    CMDLINE "${guest_cmdline} domb.test=net-disk domb.ip=169.254.0.2/16 domb.peer=${DOMB_DD_ADDR}"
    EXTRA "vif = [ \"bridge=xenbr0\" ]" "disk = [ \"vdev=xvda,access=rw,target=/srv/disk-rw.img\" ]")
foreach(kind vif disk)
    if(kind STREQUAL vif)
        set(dev "vif = [ \"bridge=xenbr9\" ]")
    else()
        set(dev "disk = [ \"vdev=xvda,access=rw,target=/srv/no-such-disk.img\" ]")
    endif()
    domb_guest_config(NAME tiny-bad-${kind} CONFIG_NAME dev-tiny-bad-${kind} KERNEL ${DOMB_GUEST_DIR}/echo
        MEMORY 16 CMDLINE "echo.timeout=600" EXTRA "${dev}")
endforeach()
# ${DOMB_TINY_CYCLES} incarnations, each waiting until the driver domain
# has connected both devices, then rebooting. A quick restart is one within
# 10 s of the start, and the fourth quick one in a row would end the loop
# (docs/config.md), so every fourth lives 10 s more.
set(DOMB_TINY_CYCLES 20)
set(tiny_plan)
foreach(i RANGE 1 ${DOMB_TINY_CYCLES})
    math(EXPR q "${i} % 4")
    if(i EQUAL DOMB_TINY_CYCLES)
        list(APPEND tiny_plan poweroff)
    elseif(q EQUAL 0)
        list(APPEND tiny_plan reboot@10)
    else()
        list(APPEND tiny_plan reboot)
    endif()
endforeach()
list(JOIN tiny_plan "," tiny_plan)
domb_guest_config(NAME tiny-cyc CONFIG_NAME dev-tiny-cyc KERNEL ${DOMB_GUEST_DIR}/lifecycle MEMORY 16
    CMDLINE "lifecycle.plan=${tiny_plan} lifecycle.devices=vif/0,vbd/51712"
    EXTRA "vif = [ \"bridge=xenbr0\" ]" "disk = [ \"vdev=xvda,access=rw,target=/srv/cycle.img\" ]"
          "on_reboot = \"restart\"" "on_poweroff = \"destroy\"")

# Built and destroyed again and again (it reboots: on_reboot = "restart"), with a vif and a disk.
set(DOMB_DEVICES_CYCLES 20)
domb_guest_config(NAME cyc CONFIG_NAME dev-cyc KERNEL ${dd_kernel} MEMORY 128 RAMDISK ${guest_initrd}
    CMDLINE "${guest_cmdline} domb.test=cycle domb.cycles=${DOMB_DEVICES_CYCLES}"
    EXTRA "vif = [ \"bridge=xenbr0\" ]" "disk = [ \"vdev=xvda,access=rw,target=/srv/cycle.img\" ]"
          "on_reboot = \"restart\"" "on_poweroff = \"destroy\"")

add_test(NAME integration.devices-sets
    COMMAND ${CMAKE_SOURCE_DIR}/test/linux/devices-sets ${DOMB_DEVICES_CACHE} ${DOMB_DEVICES_SETS}
            $<TARGET_FILE:domb-pack> ${DOMB_SET_DIR}/cfg $<$<BOOL:${DOMB_DEVICES_TESTS}>:extended>)
set_tests_properties(integration.devices-sets PROPERTIES LABELS integration TIMEOUT 900
    FIXTURES_SETUP devices SKIP_RETURN_CODE 77)

set(DOMB_DEVICES_REJECT "FAIL" "Kernel panic" "BUG:" "stopped: crashed" "DOMB-DRIVER-DOMAIN: xl devd:"
    "did not close it")
set(dd_say "[dd] DOMB-DRIVER-DOMAIN:")
set(devices_tests)

# The driver domain alone: its modules load, its bridges come up, `xl devd`
# starts, it reports ready and powers off through Linux's own poweroff path.
domb_qemu_test(devices-dd-boot KERNEL ${IMG}/builder/main/db-boot
    INITRD ${DOMB_DEVICES_SETS}/devices-dd-boot.cpio TIMEOUT 200 QEMU_MEMORY 640
    XEN_CMDLINE ${DOMB_DEVICES_XEN_CMDLINE} CPU ${DOMB_DEVICES_CPU} SMP ${DOMB_DEVICES_SMP}
    EXPECT "${dd_say} 10 modules loaded: " "${dd_say} ready: bridges xenbr0 xenbr1 (hotplug: xl devd)"
           "${dd_say} summary: 0 connected, 0 failed, 0 removed; now 0 vifs, 0 loop devices in use, 3 links"
           "db: vm 'dd' (domid 1) stopped: poweroff"
           "db-boot: done: 1 built, 0 failed, 0 exited abnormally"
    REJECT ${DOMB_DEVICES_REJECT})
list(APPEND devices_tests integration.devices-dd-boot)

# CI (a): one Linux guest with a vif and a disk. It pings the driver
# domain's bridge address, sends 2 MiB of a known pattern to its sink, and
# writes 4 MiB of another at 1 MiB of its disk and reads them back past the
# page cache; it powers off, its disk is removed, and what reached the
# driver domain's image file has the pattern's SHA-256. Then db-boot asks
# the driver domain to power off and it has no vif or loop device left.
set(net_sha e192abafca77b8ec208e22ce8e8c8a3827a5c3f004978e7f3dfbc712c2e68210)
set(disk_sha 0cb3ba0c78e65e97c751a264c71210c4ddb45432dc663ea6381103ce2c141ba0)
domb_qemu_test(devices-linux KERNEL ${IMG}/builder/main/db-boot
    INITRD ${DOMB_DEVICES_SETS}/devices-linux.cpio TIMEOUT 420 QEMU_MEMORY 768
    XEN_CMDLINE ${DOMB_DEVICES_XEN_CMDLINE} CPU ${DOMB_DEVICES_CPU} SMP ${DOMB_DEVICES_SMP}
    EXPECT "${dd_say} ready: bridges xenbr0"
           "${dd_say} vif 2.0 connected: vif2.0 on bridge xenbr0"
           "${dd_say} vbd 2.51712 connected: /srv/disk-rw.img on /dev/loop0 (7:0, mode w;"
           "[nd] DOMB-DEVICES: net-disk: ping ${DOMB_DD_ADDR} OK"
           "[nd] DOMB-DEVICES: net-disk: sent 2097152 bytes to ${DOMB_DD_ADDR}, sha256 ${net_sha}"
           "${dd_say} sink: received 2097152 bytes, sha256 ${net_sha}"
           "[nd] DOMB-DEVICES: net-disk: wrote 4194304 bytes at 1 MiB of xvda and read back sha256 ${disk_sha}"
           "[nd] Test result: SUCCESS" "db: vm 'nd' (domid 2) stopped: poweroff"
           "${dd_say} vbd 2.51712 removed: /srv/disk-rw.img has sha256 ${disk_sha} in the 4 MiB at 1 MiB"
           "db: vm 'dd' serves no running VM: asking it to power off"
           "${dd_say} summary: 2 connected, 0 failed, 2 removed; now 0 vifs, 0 loop devices in use, 2 links"
           "db-boot: done: 2 built, 0 failed, 0 exited abnormally"
    REJECT ${DOMB_DEVICES_REJECT})
list(APPEND devices_tests integration.devices-linux)
# Alone on the machine: Debian's xl devd kills a hotplug script after
# libxl's 40 s (LIBXL_HOTPLUG_TIMEOUT), and Xen's block script takes that
# long under TCG when another QEMU test shares the two cores (seen in a
# clean-clone run: "killing execution of /etc/xen/scripts/block add
# because of timeout"). About 70-120 s of the run.
set_tests_properties(integration.devices-linux PROPERTIES RUN_SERIAL TRUE)

# CI (b): our own small guests. A vif on a bridge the driver domain lacks
# and a disk whose image does not exist fail their guests under their own
# names with the hotplug side's reason; a guest with a vif and a disk is
# built ${DOMB_TINY_CYCLES} times (on_reboot = "restart"), and each
# incarnation finds the driver domain with nothing left of the one before:
# the last gets loop0 again and the driver domain has one vif, its own.
math(EXPR tiny_last "${DOMB_TINY_CYCLES} + 3")
math(EXPR tiny_before_last "${DOMB_TINY_CYCLES} + 2")
math(EXPR tiny_restarts "${DOMB_TINY_CYCLES} - 1")
math(EXPR tiny_served "2 * ${DOMB_TINY_CYCLES}")
math(EXPR tiny_removed "2 * ${DOMB_TINY_CYCLES} + 2")
domb_qemu_test(devices-tiny KERNEL ${IMG}/builder/main/db-boot
    INITRD ${DOMB_DEVICES_SETS}/devices-tiny.cpio STATUS 1 TIMEOUT 1200 QEMU_MEMORY 640
    XEN_CMDLINE ${DOMB_DEVICES_XEN_CMDLINE} CPU ${DOMB_DEVICES_CPU} SMP ${DOMB_DEVICES_SMP}
    EXPECT "${dd_say} vif 2.0 failed: hotplug-status error: Could not find bridge device xenbr9"
           "db: vm 'tiny-bad-vif' (domid 2) FAILED: " "Could not find bridge device xenbr9"
           "${dd_say} vbd 3.51712 failed: hotplug-status error: /srv/no-such-disk.img does not exist in the driver domain."
           "db: vm 'tiny-bad-disk' (domid 3) FAILED: " "/srv/no-such-disk.img does not exist"
           "${dd_say} vif 4.0 connected: vif4.0 on bridge xenbr0"
           "[tiny-cyc] lifecycle: incarnation 1 (domb.restart=0) of plan "
           "[tiny-cyc] lifecycle: vif/0 connected (/local/domain/1/backend/vif/4/0)"
           "[tiny-cyc] lifecycle: vbd/51712 connected (/local/domain/1/backend/vbd/${tiny_last}/51712)"
           "db: vm 'tiny-cyc' restarted (restart ${tiny_restarts}): domid ${tiny_last}"
           "${dd_say} vbd ${tiny_last}.51712 connected: /srv/cycle.img on /dev/loop0 (7:0, mode w; now 1 vifs, 1 loop devices in use)"
           "[tiny-cyc] lifecycle: incarnation ${DOMB_TINY_CYCLES} (domb.restart=${tiny_restarts}) of plan "
           "db: vm 'tiny-cyc' (domid 4) is gone: xenstore nodes "
           "(what its next incarnations must leave)"
           "db: vm 'tiny-cyc' (domid ${tiny_before_last}) is gone: xenstore nodes "
           ": the same as after its first incarnation"
           "db: vm 'tiny-cyc' (domid ${tiny_last}) stopped: poweroff"
           "${dd_say} summary: ${tiny_served} connected, 2 failed, ${tiny_removed} removed; now 0 vifs, 0 loop devices in use, 2 links"
           "db-boot: done: 2 built, 2 failed, 0 exited abnormally"
    REJECT "Kernel panic" "BUG:" "stopped: crashed" "${dd_say} FAIL" "${dd_say} xl devd:" "did not close it"
           "stops too soon" "nobody asked it" "Test result: FAILURE" "DIFFERENT from after" "(not compared:")
list(APPEND devices_tests integration.devices-tiny)

# (a) Two guests with a vif each on xenbr0: net-a pings net-b and sends it an
# 8 MiB file that arrives with the same SHA-256; when both are gone db-boot
# asks the driver domain to power off, and it has nothing left over.
domb_qemu_test(devices-net KERNEL ${IMG}/builder/main/db-boot
    INITRD ${DOMB_DEVICES_SETS}/devices-net.cpio TIMEOUT 480 QEMU_MEMORY 1024
    XEN_CMDLINE ${DOMB_DEVICES_XEN_CMDLINE} CPU ${DOMB_DEVICES_CPU} SMP ${DOMB_DEVICES_SMP}
    EXPECT "${dd_say} ready: bridges xenbr0"
           "${dd_say} vif 2.0 connected: vif2.0 on bridge xenbr0"
           "${dd_say} vif 3.0 connected: vif3.0 on bridge xenbr0"
           "[net-a] DOMB-DEVICES: net-a: ping 169.254.0.2 OK"
           "[net-a] DOMB-DEVICES: net-a: sent 8388608 bytes to 169.254.0.2"
           "[net-b] DOMB-DEVICES: net-b: received 8388608 bytes, sha256 "
           "matches the sender's"
           "[net-a] Test result: SUCCESS" "[net-b] Test result: SUCCESS"
           "db: vm 'dd' serves no running VM: asking it to power off"
           "${dd_say} summary: 2 connected, 0 failed, 2 removed; now 0 vifs, 0 loop devices in use, 2 links"
           "db-boot: done: 3 built, 0 failed, 0 exited abnormally"
    REJECT ${DOMB_DEVICES_REJECT})
list(APPEND devices_tests integration.devices-net)

# (b) A writable disk: the first boot writes 4 MiB and reboots, the VM is
# built again (on_reboot = "restart") and the second boot reads them back
# and powers off (on_poweroff = "destroy"). The first build's loop device
# was detached: the second gets loop0 again.
domb_qemu_test(devices-disk-rw KERNEL ${IMG}/builder/main/db-boot
    INITRD ${DOMB_DEVICES_SETS}/devices-disk-rw.cpio TIMEOUT 420 QEMU_MEMORY 1024
    XEN_CMDLINE ${DOMB_DEVICES_XEN_CMDLINE} CPU ${DOMB_DEVICES_CPU} SMP ${DOMB_DEVICES_SMP}
    EXPECT "${dd_say} vbd 2.51712 connected: /srv/disk-rw.img on /dev/loop0 (7:0, mode w;"
           "[rw] DOMB-DEVICES: disk-rw: boot 1: wrote 4194304 bytes at 1 MiB"
           "db: vm 'rw' restarted (restart 1): domid 3"
           "${dd_say} vbd 2.51712 removed"
           "${dd_say} vbd 3.51712 connected: /srv/disk-rw.img on /dev/loop0 (7:0, mode w; now 0 vifs, 1 loop devices in use)"
           "[rw] DOMB-DEVICES: disk-rw: boot 2: read back 4194304 bytes intact"
           "[rw] Test result: SUCCESS" "db: vm 'rw' (domid 3) stopped: poweroff"
           "${dd_say} summary: 2 connected, 0 failed, 2 removed; now 0 vifs, 0 loop devices in use, 2 links"
           "db-boot: done: 2 built, 0 failed, 0 exited abnormally"
    REJECT ${DOMB_DEVICES_REJECT} "verified by an earlier boot")
list(APPEND devices_tests integration.devices-disk-rw)

# (c) One read-only image, two guests: both read the pattern, neither can
# write (blkback serves mode r read-only; losetup attaches it read-only).
domb_qemu_test(devices-disk-ro KERNEL ${IMG}/builder/main/db-boot
    INITRD ${DOMB_DEVICES_SETS}/devices-disk-ro.cpio TIMEOUT 420 QEMU_MEMORY 1024
    XEN_CMDLINE ${DOMB_DEVICES_XEN_CMDLINE} CPU ${DOMB_DEVICES_CPU} SMP ${DOMB_DEVICES_SMP}
    EXPECT "${dd_say} vbd 2.51712 connected: /srv/disk-ro.img on /dev/loop0 (7:0, mode r;"
           "${dd_say} vbd 3.51712 connected: /srv/disk-ro.img on /dev/loop1 (7:1, mode r;"
           "[ro-a] DOMB-DEVICES: disk-ro: read the driver domain's 4 MiB pattern"
           "[ro-b] DOMB-DEVICES: disk-ro: read the driver domain's 4 MiB pattern"
           "[ro-a] DOMB-DEVICES: disk-ro: writing is refused" "[ro-b] DOMB-DEVICES: disk-ro: writing is refused"
           "[ro-a] Test result: SUCCESS" "[ro-b] Test result: SUCCESS"
           "${dd_say} summary: 2 connected, 0 failed, 2 removed; now 0 vifs, 0 loop devices in use, 2 links"
           "db-boot: done: 3 built, 0 failed, 0 exited abnormally"
    REJECT ${DOMB_DEVICES_REJECT})
list(APPEND devices_tests integration.devices-disk-ro)

# The extended tests (devices-tiny does both with our own guests; these
# with Linux guests: 3-8 minutes each here), with -DDOMB_DEVICES_TESTS=ON
# (docs/devices.md).
if(NOT DOMB_DEVICES_TESTS)
    set_tests_properties(${devices_tests}
        PROPERTIES FIXTURES_REQUIRED devices SKIP_REGULAR_EXPRESSION "${DOMB_DEVICES_SKIP}")
    return()
endif()

# (d) A vif on a bridge the driver domain lacks, a disk whose target does
# not exist: each guest fails under its own name with the hotplug script's
# reason; the read-only guest beside them is served as usual.
domb_qemu_test(devices-bad KERNEL ${IMG}/builder/main/db-boot
    INITRD ${DOMB_DEVICES_SETS}/devices-bad.cpio STATUS 1 TIMEOUT 900 QEMU_MEMORY 1024
    XEN_CMDLINE ${DOMB_DEVICES_XEN_CMDLINE} CPU ${DOMB_DEVICES_CPU} SMP ${DOMB_DEVICES_SMP}
    EXPECT "${dd_say} vif 2.0 failed: hotplug-status error: Could not find bridge device xenbr9"
           "db: vm 'bad-vif' (domid 2) FAILED: " "Could not find bridge device xenbr9"
           "${dd_say} vbd 3.51712 failed: hotplug-status error: /srv/no-such-disk.img does not exist in the driver domain."
           "db: vm 'bad-disk' (domid 3) FAILED: " "/srv/no-such-disk.img does not exist"
           "[ro-a] DOMB-DEVICES: disk-ro: read the driver domain's 4 MiB pattern"
           "[ro-a] Test result: SUCCESS"
           "${dd_say} summary: 1 connected, 2 failed, 3 removed; now 0 vifs, 0 loop devices in use, 2 links"
           "db-boot: done: 2 built, 2 failed, 0 exited abnormally"
    REJECT "Kernel panic" "BUG:" "stopped: crashed" "[ro-a] DOMB-LINUX-INIT: FAIL" "did not close it"
           "nobody failed its devices")
list(APPEND devices_tests integration.devices-bad)

# (e) 20 builds and destroys of a guest with a vif and a disk: every cycle
# connects both (netfront and blkfront up in the guest), counts itself on
# its disk and reboots to be built again; each finds the driver domain with
# nothing left from the one before (1 vif, 1 loop: its own). Cycle N runs
# in domid N+1; the last powers off, and the driver domain then has no vif
# and no loop device left.
math(EXPR last_domid "${DOMB_DEVICES_CYCLES} + 1")
math(EXPR devices_served "2 * ${DOMB_DEVICES_CYCLES}")
domb_qemu_test(devices-cycles KERNEL ${IMG}/builder/main/db-boot
    INITRD ${DOMB_DEVICES_SETS}/devices-cycles.cpio TIMEOUT 1500 QEMU_MEMORY 1024
    XEN_CMDLINE ${DOMB_DEVICES_XEN_CMDLINE} CPU ${DOMB_DEVICES_CPU} SMP ${DOMB_DEVICES_SMP}
    EXPECT "${dd_say} vif 2.0 connected: vif2.0 on bridge xenbr0"
           "[cyc] DOMB-DEVICES: cycle: cycle 1 of ${DOMB_DEVICES_CYCLES}: eth0 and xvda up"
           "[cyc] DOMB-DEVICES: cycle: cycle ${DOMB_DEVICES_CYCLES} of ${DOMB_DEVICES_CYCLES}: eth0 and xvda up"
           "${dd_say} vbd ${last_domid}.51712 connected: /srv/cycle.img on /dev/loop0 (7:0, mode w; now 1 vifs, 1 loop devices in use)"
           "db: vm 'cyc' (domid ${last_domid}) stopped: poweroff"
           "${dd_say} summary: ${devices_served} connected, 0 failed, ${devices_served} removed; now 0 vifs, 0 loop devices in use, 2 links"
           "db-boot: done: 2 built, 0 failed, 0 exited abnormally"
    REJECT ${DOMB_DEVICES_REJECT} "stops too soon" "cycles were done by earlier boots")
list(APPEND devices_tests integration.devices-cycles)

set_tests_properties(${devices_tests}
    PROPERTIES FIXTURES_REQUIRED devices SKIP_REGULAR_EXPRESSION "${DOMB_DEVICES_SKIP}")
