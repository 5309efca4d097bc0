# Host-side cost of a build, counted by callgrind (label `perf`, not `unit`).
#
# callgrind_build is compiled on its own, -O2 and without sanitizers even in
# the sanitized build (instruction counts of ASan code say little), from the
# builder core, kernel/lib, the simulator and the test ELF writer sources.
find_program(DOMB_VALGRIND valgrind)
if(NOT DOMB_VALGRIND OR NOT EXISTS /usr/include/valgrind/callgrind.h)
    message(STATUS "valgrind (with valgrind/callgrind.h) not found: no callgrind test")
    return()
endif()
file(GLOB cg_builder CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/builder/core/*.c)
file(GLOB cg_lib CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernel/lib/*.c)
list(FILTER cg_lib EXCLUDE REGEX "/string\\.c$")
add_executable(callgrind_build ${CMAKE_CURRENT_LIST_DIR}/callgrind_build.c ${cg_builder} ${cg_lib}
    ${CMAKE_SOURCE_DIR}/test/sim/sim.c ${CMAKE_SOURCE_DIR}/test/unit/builder/core/elf_writer.c)
domb_target_defaults(callgrind_build)
# Its own copy of the sources (other flags), so the include roots of the
# libraries they belong to are named here.
target_include_directories(callgrind_build PRIVATE ${CMAKE_SOURCE_DIR}/test/sim
    ${CMAKE_SOURCE_DIR}/test/unit ${CMAKE_SOURCE_DIR}/builder/core/include
    ${CMAKE_SOURCE_DIR}/kernel/lib/include)
target_compile_options(callgrind_build PRIVATE -O2 -g -fno-sanitize=all -fno-lto)
target_link_options(callgrind_build PRIVATE -fno-sanitize=all)
add_test(NAME perf.callgrind_build
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/run-callgrind $<TARGET_FILE:callgrind_build>
            ${CMAKE_CURRENT_LIST_DIR}/baseline.txt --work ${CMAKE_BINARY_DIR})
set_tests_properties(perf.callgrind_build PROPERTIES LABELS perf TIMEOUT 600)
