# Reliability integration tests (docs/reliability.md), included by
# test/integration/CMakeLists.txt.
#
#   integration.fault-injection  soak-faults (a dom0 kernel that wraps the
#       real seam in builder/xenops_fault.h) builds each VM of its boot set with the seam's Nth
#       call failing, N = 1, 2, ... until a build succeeds, and proves after
#       each attempt that no domain, Xen page or builder page is left.
#   integration.server-soak      db-server with a soak client (1,000 build/
#       destroy cycles of small VMs, plus requests that must fail) next to a
#       protocol-fuzzing client; memory must come back to baseline each time.
#   integration.server-soak-long the same with DOMB_SOAK_LONG_CYCLES cycles,
#       registered only with -DDOMB_SOAK_LONG=ON (label soak-long).

# ---- fault injection: soak-faults wraps the real seam in the fault wrapper ----
set(DOMB_FAULT_KERNEL ${DOMB_GUEST_DIR}/soak-faults)

domb_guest_config(NAME fault-hello KERNEL ${DOMB_GUEST_DIR}/hello MEMORY 8 CMDLINE "greeting=hello")
domb_guest_config(NAME fault-walk KERNEL ${DOMB_GUEST_DIR}/memorywalk MEMORY 16
    RAMDISK ${DOMB_TEST_RAMDISK} CMDLINE "memorywalk.mib=16")
domb_boot_set(faults CONFIGS fault-hello fault-walk PACK_ARGS --when-done shutdown)
domb_qemu_test(fault-injection KERNEL ${DOMB_FAULT_KERNEL} INITRD ${DOMB_SET_DIR}/faults.cpio
    TIMEOUT 400
    EXPECT "faults: fault-hello fail_at=1: build failed" "faults: fault-walk fail_at=1: build failed"
           "faults: fault-hello: " "failure points, every one cleaned up"
           "Test result: SUCCESS"
    REJECT "LEAK" "FAILURE" "absorbed")

# ---- soak: db-server under a build/destroy loop and a fuzzing client ----
set(DOMB_SOAK_CATALOG --image ${DOMB_GUEST_DIR}/hello --image ${DOMB_BROKEN_KERNEL})
function(domb_soak_set set cycles fuzz_count)
    domb_guest_config(NAME soak-client CONFIG_NAME ${set}-client
        KERNEL ${DOMB_GUEST_DIR}/soak-client MEMORY 16
        CMDLINE "soak.cycles=${cycles} soak.broken=broken.elf"
        EXTRA "db_client = 1" "db_client_max_vms = 2" "db_client_max_memory = 32")
    domb_guest_config(NAME soak-fuzz CONFIG_NAME ${set}-fuzz
        KERNEL ${DOMB_GUEST_DIR}/client-fuzz MEMORY 16
        CMDLINE "fuzz.count=${fuzz_count} fuzz.seed=7" EXTRA "db_client = 1"
        "db_client_max_vms = 2" "db_client_max_memory = 64")
    domb_boot_set(${set} CONFIGS ${set}-client ${set}-fuzz
        PACK_ARGS --when-done wait ${DOMB_SOAK_CATALOG})
endfunction()

set(DOMB_SOAK_EXPECT "[soak-client] Test result: SUCCESS" "[soak-fuzz] Test result: SUCCESS"
    "every requested VM is gone" "db-server: done: 2 built, 0 failed")
domb_soak_set(server-soak 1000 3000)
domb_qemu_test(server-soak KERNEL ${IMG}/builder/main/db-server INITRD ${DOMB_SET_DIR}/server-soak.cpio
    TIMEOUT 900 EXPECT ${DOMB_SOAK_EXPECT} REJECT "DIFFERENT" "FAILURE" "dropping client")

option(DOMB_SOAK_LONG "Register the long soak test (label soak-long)" OFF)
set(DOMB_SOAK_LONG_CYCLES 20000 CACHE STRING "Build/destroy cycles of the long soak")
if(DOMB_SOAK_LONG)
    domb_soak_set(server-soak-long ${DOMB_SOAK_LONG_CYCLES} 30000)
    math(EXPR long_timeout "${DOMB_SOAK_LONG_CYCLES} + 600")
    domb_qemu_test(server-soak-long KERNEL ${IMG}/builder/main/db-server
        INITRD ${DOMB_SET_DIR}/server-soak-long.cpio TIMEOUT ${long_timeout}
        EXPECT ${DOMB_SOAK_EXPECT} REJECT "DIFFERENT" "FAILURE" "dropping client")
    set_tests_properties(integration.server-soak-long PROPERTIES LABELS "integration;soak-long")
endif()
