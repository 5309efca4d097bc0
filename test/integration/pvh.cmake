# PVH guests in QEMU + real Xen (docs/config.md "PVH guests"), included by
# test/integration/CMakeLists.txt. Xen gets HVM with HAP from tools/domb-run's
# CPU model (EPYC,-smap,-monitor,-rdtscp); the boot sets are in cmake/DombGuests.cmake.
# Linux as a PVH guest is in linux.cmake.

# GRUB's own PVH image (i386-xen_pvh) beside a PV guest: its banner and
# result line reach the serial log through the relay under its name, it
# powers off, and the summary shows both types. GRUB's PVH image is an
# ELF32 (i386) file, which the ELF loader takes for PVH guests only.
domb_qemu_test(pvh-grub KERNEL ${IMG}/builder/main/db-boot INITRD ${SETS}/pvh-grub.cpio TIMEOUT 120
    EXPECT "db: vm 'grub-pvh' built: domid 1, pvh, 32 MiB" "[grub-pvh] GRUB (Xen PVH) started by domB"
           "[grub-pvh] Test result: SUCCESS" "db: vm 'grub-pvh' (domid 1) stopped: poweroff"
           "[hello] Test result: SUCCESS" "grub-pvh             1 pvh        32"
           "hello                2 pv         16"
           "db-boot: done: 2 built, 0 failed, 0 exited abnormally"
    REJECT "FAIL" "crashed")

# db-server builds a PVH guest on the control domain's request (our hello
# kernel as PVH, with a PV hello), the guest's console is relayed, it
# powers off, the control domain destroys both and db-server proves every
# page came back.
domb_qemu_test(server-pvh KERNEL ${IMG}/builder/main/db-server INITRD ${SETS}/server-pvh.cpio
    TIMEOUT 180
    EXPECT "db-server: 'control' (domid 1) built 'p-hello-pvh': domid 2, pvh, 32 MiB"
           "[control] control: built 'p-hello-pvh' as domid 2 (pvh, "
           "[p-hello-pvh] Hello from a domB guest: 32 MiB, cmdline \"greeting=pvh domb.server=0,"
           "[p-hello-pvh] Test result: SUCCESS"
           "[control] control: 'p-hello-pvh' (domid 2) stopped: poweroff"
           "[control] control: 'p-hello' (domid 3) stopped: poweroff"
           "[control] Test result: SUCCESS (2 VMs built through db-server"
           "db-server: every requested VM is gone: Xen free pages"
           "db-server: done: 1 built, 0 failed, 0 exited abnormally"
    REJECT "DIFFERENT" "FAIL")
