# Flags and helpers shared by both builds.
#
# The layering rule (docs/architecture.md): every library is its own target
# that exposes only its own include root (PUBLIC) and links exactly the
# libraries it uses. A file can include a header only if its target links the
# library that owns it, so an include that climbs a floor fails to compile;
# test/lint/check-layers checks the same rule over the source text.

set(DOMB_WARNINGS -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes
    -Wmissing-prototypes -Wno-unused-parameter)
set(DOMB_XEN_DEFS __XEN_TOOLS__)

# domb_target_defaults(target): warnings and Xen ABI defines (<xen/...> comes
# from Debian's libxen-dev in the system include path). No include roots:
# those come from the libraries a target links.
function(domb_target_defaults target)
    target_compile_options(${target} PRIVATE ${DOMB_WARNINGS})
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

# domb_add_library(name SOURCES ... [INCLUDE dir] [LIBS ...] [FREESTANDING]):
# a static library built in whichever build (host or freestanding) is being
# configured (FREESTANDING: only there). INCLUDE is the library's own include
# root (default: include/ next to its CMakeLists.txt, if it exists); LIBS are
# the libraries it uses, linked PUBLIC so that their roots reach its users.
function(domb_add_library name)
    cmake_parse_arguments(A "FREESTANDING" "INCLUDE" "SOURCES;LIBS" ${ARGN})
    if(A_FREESTANDING AND NOT DOMB_FREESTANDING)
        return()
    endif()
    add_library(${name} STATIC ${A_SOURCES})
    domb_target_defaults(${name})
    if(NOT A_INCLUDE AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
        set(A_INCLUDE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    endif()
    if(A_INCLUDE)
        target_include_directories(${name} PUBLIC ${A_INCLUDE})
    endif()
    if(DOMB_FREESTANDING)
        # Only what an image links gets built in the freestanding tree.
        set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    endif()
    if(A_LIBS)
        target_link_libraries(${name} PUBLIC ${A_LIBS})
    endif()
endfunction()

# domb_add_image(name SOURCES ... [LIBS ...]): a freestanding PV kernel image
# (arch + PV kernel + the given sources and the libraries they use), linked
# by arch/x86_64/kernel.ld. The host build lists the images by reading these
# calls (cmake/DombImages.cmake), so keep one call per image, name first.
function(domb_add_image name)
    cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
    add_executable(${name} ${A_SOURCES} $<TARGET_OBJECTS:domb_arch_boot>)
    domb_target_defaults(${name})
    set(lds ${CMAKE_SOURCE_DIR}/arch/x86_64/kernel.ld)
    target_link_options(${name} PRIVATE -T ${lds})
    set_target_properties(${name} PROPERTIES LINK_DEPENDS ${lds})
    # Ordered link: each library after the ones that use it (CMake orders
    # them from the LIBS graph); libgcc last.
    target_link_libraries(${name} PRIVATE ${A_LIBS} domb_kernel gcc)
endfunction()
