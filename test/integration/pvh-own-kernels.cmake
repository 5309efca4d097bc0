# Our own test kernels booted as PVH (docs/guests.md "PVH"): the same hello,
# memorywalk and crash images that boot as PV, given type = "pvh", entered
# at their PHYS32_ENTRY (arch/x86_64/pvh_entry.S) by db-boot's PVH builder.
# Included by test/integration/CMakeLists.txt; QEMU runs with domb-run's CPU
# model (EPYC,-smap,-monitor,-rdtscp), so Xen has HVM with HAP.

# The configs: names as the guests are known in the log; CONFIG_NAME keeps
# the files apart from the PV configs and the other PVH sets.
domb_guest_config(NAME hello-pvh CONFIG_NAME own-hello-pvh KERNEL ${DOMB_GUEST_DIR}/hello
    MEMORY 32 CMDLINE "greeting=pvh" EXTRA "type = \"pvh\"")
domb_guest_config(NAME memorywalk-pvh CONFIG_NAME own-memorywalk-pvh
    KERNEL ${DOMB_GUEST_DIR}/memorywalk MEMORY 128 RAMDISK ${DOMB_TEST_RAMDISK}
    CMDLINE "memorywalk.mib=128 memorywalk.ramdisk_sha256=${DOMB_TEST_RAMDISK_SHA256} memorywalk.ramdisk_len=${DOMB_TEST_RAMDISK_SIZE}"
    EXTRA "type = \"pvh\"" "ramdisk_sha256 = \"${DOMB_TEST_RAMDISK_SHA256}\"")
domb_guest_config(NAME memorywalk16-pvh CONFIG_NAME own-memorywalk16-pvh
    KERNEL ${DOMB_GUEST_DIR}/memorywalk MEMORY 16 CMDLINE "memorywalk.mib=16"
    EXTRA "type = \"pvh\"")
domb_guest_config(NAME crash-pvh CONFIG_NAME own-crash-pvh KERNEL ${DOMB_GUEST_DIR}/crash
    MEMORY 16 EXTRA "type = \"pvh\"")
domb_guest_config(NAME bigimage-pvh CONFIG_NAME own-bigimage-pvh KERNEL ${DOMB_GUEST_DIR}/bigimage
    MEMORY 64 EXTRA "type = \"pvh\"")
domb_boot_set(pvh-own CONFIGS own-hello-pvh own-memorywalk-pvh hello PACK_ARGS --when-done wait)
domb_boot_set(pvh-own-crash CONFIGS own-crash-pvh own-memorywalk16-pvh own-bigimage-pvh
    PACK_ARGS --when-done wait)

# hello and memorywalk (128 MiB, the 3 MB ramdisk as its module) as PVH
# next to a PV hello in one boot: each prints its result line under its
# name and powers off; memorywalk's PVH checks found its memory map, its
# direct map and its ramdisk right.
domb_qemu_test(pvh-own-kernels KERNEL ${IMG}/builder/main/db-boot INITRD ${SETS}/pvh-own.cpio
    TIMEOUT 180
    EXPECT "db: vm 'hello-pvh' built: domid 1, pvh, 32 MiB"
           "[hello-pvh] Hello from a domB guest: 32 MiB, cmdline \"greeting=pvh\""
           "[hello-pvh] hello: booted as PVH (hvm_start_info version 1"
           "[hello-pvh] Test result: SUCCESS" "db: vm 'hello-pvh' (domid 1) stopped: poweroff"
           "db: vm 'memorywalk-pvh' built: domid 2, pvh, 128 MiB"
           "[memorywalk-pvh] memorywalk: PVH: 32768 RAM pages"
           "[memorywalk-pvh] memorywalk: PVH direct map: 32768 RAM frames map to themselves"
           "[memorywalk-pvh] memorywalk: ramdisk 3000000 bytes, sha256 matches"
           "[memorywalk-pvh] Test result: SUCCESS"
           "db: vm 'memorywalk-pvh' (domid 2) stopped: poweroff"
           "db: vm 'hello' built: domid 3, pv, 16 MiB" "[hello] Test result: SUCCESS"
           "db-boot: done: 3 built, 0 failed, 0 exited abnormally"
    REJECT "FAIL" "FAULT" "crashed")

# crash as PVH: the fault comes through our own IDT (cr2 read from the CPU,
# nothing mapped at low addresses any more) and the domain ends as crashed;
# beside it memorywalk without a module and bigimage (a 5 MiB data segment
# placed by physical address).
domb_qemu_test(pvh-own-crash KERNEL ${IMG}/builder/main/db-boot INITRD ${SETS}/pvh-own-crash.cpio
    STATUS 1 TIMEOUT 120
    EXPECT "[crash-pvh] crash: about to fault on purpose"
           "[crash-pvh] *** FAULT: vector 14 (page fault) rip 0xffffffff8"
           "cr2 0xdead000" "db: vm 'crash-pvh' (domid 1) stopped: crashed"
           "[memorywalk16-pvh] memorywalk: PVH: 4096 RAM pages"
           "[memorywalk16-pvh] Test result: SUCCESS"
           "[bigimage-pvh] bigimage: 5242880 bytes of data, 0 wrong"
           "[bigimage-pvh] Test result: SUCCESS"
           "db-boot: done: 3 built, 0 failed, 1 exited abnormally"
    REJECT "FAIL")
