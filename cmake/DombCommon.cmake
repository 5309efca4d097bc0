# Flags and helpers shared by both builds.

set(DOMB_WARNINGS -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes
    -Wmissing-prototypes -Wno-unused-parameter)
set(DOMB_XEN_DEFS __XEN_TOOLS__)

# Include roots: <domb/...> kernel and shared library, <arch/...>, <builder/...>,
# <proto/...>, <initrd/...>; <xen/...> from Debian's libxen-dev.
set(DOMB_INCLUDE_DIRS
    ${CMAKE_SOURCE_DIR}/kernel/include
    ${CMAKE_SOURCE_DIR}/arch/x86_64/include
    ${CMAKE_SOURCE_DIR}/builder/include
    ${CMAKE_SOURCE_DIR}/proto/include
    ${CMAKE_SOURCE_DIR}/initrd/include)

# domb_target_defaults(target): warnings, includes and Xen ABI defines.
function(domb_target_defaults target)
    target_compile_options(${target} PRIVATE ${DOMB_WARNINGS})
    target_include_directories(${target} PRIVATE ${DOMB_INCLUDE_DIRS})
    target_compile_definitions(${target} PRIVATE ${DOMB_XEN_DEFS})
endfunction()

# Host-only: sanitizers for everything we compile when DOMB_SANITIZE is on.
macro(domb_host_flags)
    if(DOMB_SANITIZE)
        add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                            -fno-omit-frame-pointer)
        add_link_options(-fsanitize=address,undefined)
    endif()
    if(DOMB_FUZZ)
        # Instrument every library for coverage feedback; the fuzz targets
        # themselves add -fsanitize=fuzzer (test/fuzz/CMakeLists.txt).
        add_compile_options(-fsanitize=fuzzer-no-link,address,undefined)
        add_link_options(-fsanitize=address,undefined)
    endif()
    add_compile_options(-g)
endmacro()

# domb_add_library(name SOURCES ...): a static library of shared code built in
# whichever build (host or freestanding) is being configured.
function(domb_add_library name)
    cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
    add_library(${name} STATIC ${A_SOURCES})
    domb_target_defaults(${name})
    if(DOMB_FREESTANDING)
        # Only what an image links gets built in the freestanding tree.
        set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    endif()
    if(A_LIBS)
        target_link_libraries(${name} PUBLIC ${A_LIBS})
    endif()
endfunction()

# domb_add_image(name SOURCES ... [LIBS ...]): a freestanding PV kernel image
# (arch + kernel + the given sources), linked by arch/x86_64/kernel.ld.
function(domb_add_image name)
    cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
    add_executable(${name} ${A_SOURCES} $<TARGET_OBJECTS:domb_arch>)
    domb_target_defaults(${name})
    set(lds ${CMAKE_SOURCE_DIR}/arch/x86_64/kernel.ld)
    target_link_options(${name} PRIVATE -T ${lds})
    set_target_properties(${name} PROPERTIES LINK_DEPENDS ${lds})
    # The libraries call each other in every direction: link them as a group.
    set(libs)
    foreach(l ${A_LIBS} domb_kernel domb_kernel_core domb_lib)
        list(APPEND libs $<TARGET_FILE:${l}>)
    endforeach()
    add_dependencies(${name} ${A_LIBS} domb_kernel domb_kernel_core domb_lib)
    target_link_libraries(${name} PRIVATE -Wl,--start-group ${libs} -Wl,--end-group gcc)
endfunction()
