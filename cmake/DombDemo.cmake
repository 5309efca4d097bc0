# The README's demo: an ISO with Xen + db-boot + the demo boot set (hello,
# memorywalk at 16 and 128 MiB, GRUB's PV image and one deliberately broken
# VM), booted in QEMU with the console streamed. `cmake --workflow --preset
# demo`. db-boot's verdict is "failure" because of the broken VM, which is
# the point of the demo; the target fails only on a crash, hang or no verdict.
add_custom_target(demo
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/iso
    COMMAND ${CMAKE_SOURCE_DIR}/tools/domb-iso --kernel ${DOMB_IMAGE_DIR}/builder/main/db-boot
            --initrd ${DOMB_SET_DIR}/demo.cpio -o ${CMAKE_BINARY_DIR}/iso/demo.iso
    COMMAND ${CMAKE_SOURCE_DIR}/tools/domb-run ${CMAKE_BINARY_DIR}/iso/demo.iso --timeout 300
            --log ${CMAKE_BINARY_DIR}/iso/demo.log --accept-failure
    DEPENDS freestanding set-demo
    USES_TERMINAL
    COMMENT "Booting Xen + db-boot with the demo boot set (log: build/iso/demo.log)")
