# The README's demo: make an ISO with Xen + db-boot + the demo initramfs and
# boot it in QEMU, streaming the console. `cmake --build --preset demo`.
set(DOMB_DEMO_INITRD ${CMAKE_SOURCE_DIR}/test/integration/data/small-initrd.txt)
add_custom_target(demo
    COMMAND ${CMAKE_SOURCE_DIR}/tools/domb-iso
            --kernel ${DOMB_IMAGE_DIR}/kernel/db-boot
            --initrd ${DOMB_DEMO_INITRD}
            -o ${CMAKE_BINARY_DIR}/demo.iso
    COMMAND ${CMAKE_SOURCE_DIR}/tools/domb-run ${CMAKE_BINARY_DIR}/demo.iso
            --timeout 300 --log ${CMAKE_BINARY_DIR}/demo.log
    DEPENDS freestanding
    USES_TERMINAL
    COMMENT "Booting Xen + db-boot in QEMU (log: ${CMAKE_BINARY_DIR}/demo.log)")
