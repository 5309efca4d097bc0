# The operator shell on the serial line (docs/user-guide.md, "Operating a
# running platform"), driven through a pseudo-terminal: test/integration/
# shell-test runs tools/domb-run --interactive and plays a script from
# test/integration/data/<name>.script against the terminal.
#
# domb_shell_test(NAME KERNEL elf (INITRD file | PACK cfg...) [TIMEOUT s]
#                 [XEN_CMDLINE "..."] [QEMU_MEMORY mib] [REQUIRE file])
function(domb_shell_test name)
    cmake_parse_arguments(A "" "KERNEL;INITRD;TIMEOUT;XEN_CMDLINE;QEMU_MEMORY;REQUIRE;XEN;FLASK_POLICY" "PACK"
                          ${ARGN})
    set(cmd ${CMAKE_SOURCE_DIR}/test/integration/shell-test ${name} --kernel ${A_KERNEL}
        --script ${CMAKE_SOURCE_DIR}/test/integration/data/${name}.script)
    if(A_INITRD)
        list(APPEND cmd --initrd ${A_INITRD})
    endif()
    if(A_PACK)
        list(APPEND cmd --pack $<TARGET_FILE:domb-pack> ${A_PACK})
    endif()
    if(NOT A_TIMEOUT)
        set(A_TIMEOUT 600)
    endif()
    list(APPEND cmd --timeout ${A_TIMEOUT})
    if(A_XEN_CMDLINE)
        list(APPEND cmd --xen-cmdline ${A_XEN_CMDLINE})
    endif()
    if(A_QEMU_MEMORY)
        list(APPEND cmd --memory ${A_QEMU_MEMORY})
    endif()
    if(A_REQUIRE)
        list(APPEND cmd --require ${A_REQUIRE})
    endif()
    if(A_XEN)
        list(APPEND cmd --xen ${A_XEN})
    endif()
    if(A_FLASK_POLICY)
        list(APPEND cmd --flask-policy ${A_FLASK_POLICY})
    endif()
    add_test(NAME integration.${name} COMMAND ${cmd} WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/integration)
    math(EXPR budget "${A_TIMEOUT} + 120")
    set_tests_properties(integration.${name} PROPERTIES LABELS integration TIMEOUT ${budget}
        SKIP_RETURN_CODE 77)
endfunction()

# GRUB's Xen PV image with a menu that waits for a key (its entries have
# hotkeys): test/integration/data/grub-menu.
set(DOMB_GRUB_MENU_GUEST ${CMAKE_BINARY_DIR}/guests/grub-menu.elf)
set(DOMB_GRUB_MENU_DIR ${CMAKE_CURRENT_SOURCE_DIR}/data/grub-menu)
add_custom_command(OUTPUT ${DOMB_GRUB_MENU_GUEST}
    COMMAND tar -C ${DOMB_GRUB_MENU_DIR} -cf ${CMAKE_BINARY_DIR}/guests/grub-menu-memdisk.tar boot
    COMMAND grub-mkimage -O x86_64-xen -o ${DOMB_GRUB_MENU_GUEST}
            -m ${CMAKE_BINARY_DIR}/guests/grub-menu-memdisk.tar -p "(memdisk)/boot/grub"
            memdisk tar normal echo halt configfile
    DEPENDS ${DOMB_GRUB_MENU_DIR}/boot/grub/grub.cfg
    VERBATIM
    COMMENT "Making GRUB's Xen PV image with a waiting menu")

# The echo guest (test/guests/echo.c) as PV and as PVH; echo.timeout ends
# a forgotten run as a failure.
domb_guest_config(NAME echo KERNEL ${DOMB_GUEST_DIR}/echo MEMORY 16 CMDLINE "echo.timeout=900")
domb_guest_config(NAME echo-pvh KERNEL ${DOMB_GUEST_DIR}/echo MEMORY 32 CMDLINE "echo.timeout=900"
    EXTRA "type = \"pvh\"")
domb_guest_config(NAME grub-menu KERNEL ${DOMB_GRUB_MENU_GUEST} MEMORY 32)
domb_boot_set(shell CONFIGS echo echo-pvh grub-menu hello PACK_ARGS --when-done wait
    DEPENDS ${DOMB_GRUB_MENU_GUEST})
domb_boot_set(shell-server CONFIGS echo hello PACK_ARGS --when-done stay)
# Try it by hand: cmake --build build --target shell.run (Ctrl-A x ends it).
domb_run_target(shell.run shell RUN_ARGS --interactive)

# db-boot: list, info, mistakes and garbage, console into PV and PVH echo
# guests and into GRUB's menu (a keystroke chooses an entry), create,
# pause/unpause, reboot, destroy, shutdown (and GRUB's missing support for
# it), the summary.
domb_shell_test(shell-platform KERNEL ${IMG}/builder/main/db-boot INITRD ${SETS}/shell.cpio
    TIMEOUT 900)
# db-server: the same shell beside its request loop; Ctrl-A x ends QEMU.
domb_shell_test(shell-server KERNEL ${IMG}/builder/main/db-server INITRD ${SETS}/shell-server.cpio
    TIMEOUT 400)

# Debian's Linux with a busybox shell on hvc0 (test/linux/init, domb.shell=1):
# packed at test time, once integration.linux-sets has made the fixture.
domb_guest_config(NAME linux CONFIG_NAME linux-shell KERNEL ${DOMB_LINUX_CACHE}/vmlinuz MEMORY 128
    RAMDISK ${DOMB_LINUX_CACHE}/initramfs.cpio
    CMDLINE "console=hvc0 domb.expect_mib=128 domb.expect_cpus=1 domb.shell=1")
domb_shell_test(shell-linux KERNEL ${IMG}/builder/main/db-boot TIMEOUT 600
    PACK ${DOMB_SET_DIR}/cfg/linux-shell.cfg XEN_CMDLINE ${DOMB_LINUX_XEN_CMDLINE}
    REQUIRE ${DOMB_LINUX_CACHE}/vmlinuz)
set_tests_properties(integration.shell-linux PROPERTIES FIXTURES_REQUIRED linux)

# Under FLASK (the flask presets): db-server runs as an ordinary domain
# built by db-boot (flask.cmake); db-boot's `console d-server` reaches
# db-server's own shell, which reads its PV console.
if(DOMB_FLASK)
    domb_shell_test(flask-shell KERNEL ${IMG}/builder/main/db-boot
        INITRD ${SETS}/flask-disaggregated-shell.cpio TIMEOUT 300
        XEN ${DOMB_FLASK_XEN} FLASK_POLICY ${DOMB_FLASK_POLICY})
    set_tests_properties(integration.flask-shell PROPERTIES LABELS "integration;flask")
endif()
