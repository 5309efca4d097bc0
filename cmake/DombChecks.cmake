# The CI checks that run with every `ctest` of the default build (the README's
# test command), besides the unit and integration tests:
#
#   fuzz.<target>      every libFuzzer target of test/fuzz/, DOMB_FUZZ_SECONDS
#                      each from its committed seed corpus (label `fuzz`)
#   lint.clang-tidy    clang-tidy, checks in .clang-tidy, accepted findings in
#                      test/lint/clang-tidy-baseline.txt (label `lint`)
#   lint.cppcheck      cppcheck, suppressions in test/lint/ (label `lint`)
#   lint.format        clang-format --dry-run -Werror over every C file
#   lint.layers        every include goes down the stack (test/lint/check-layers)
#   lint.layers-selftest  check-layers catches planted violations
#
# The default build uses gcc, which cannot build libFuzzer targets, so the
# fuzzers come from a second configure of this same tree with clang
# (DOMB_FUZZ=ON) in ${CMAKE_BINARY_DIR}/fuzz, built as part of `all`.
# See docs/reliability.md.
# Off by default in the coverage build (it runs the unit tests only).
if(DOMB_COVERAGE)
    set(checks_default OFF)
else()
    set(checks_default ON)
endif()
option(DOMB_CHECKS "Register the fuzz and lint checks with ctest" ${checks_default})
set(DOMB_FUZZ_SECONDS 30 CACHE STRING "Seconds each fuzz target runs under ctest")
if(NOT DOMB_CHECKS)
    return()
endif()

set(DOMB_LINT_DIR ${CMAKE_SOURCE_DIR}/test/lint)

# ---- fuzz targets: names from the domb_fuzz_target() calls in test/fuzz ----
set(DOMB_FUZZ_TARGETS)
file(GLOB fuzz_parts CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/test/fuzz/*.cmake)
foreach(part ${fuzz_parts})
    file(STRINGS ${part} calls REGEX "^[ \t]*domb_fuzz_target\\([A-Za-z0-9_]+")
    foreach(call ${calls})
        string(REGEX REPLACE "^[ \t]*domb_fuzz_target\\(([A-Za-z0-9_]+).*" "\\1" t "${call}")
        list(APPEND DOMB_FUZZ_TARGETS ${t})
    endforeach()
endforeach()
list(REMOVE_DUPLICATES DOMB_FUZZ_TARGETS)

find_program(DOMB_CLANG clang)
if(DOMB_FUZZ_TARGETS AND NOT DOMB_CLANG)
    message(FATAL_ERROR "DombChecks: clang is needed for the fuzz checks (tools/install-deps)")
endif()
set(DOMB_FUZZ_DIR ${CMAKE_BINARY_DIR}/fuzz)
set(fuzz_bins)
foreach(t ${DOMB_FUZZ_TARGETS})
    list(APPEND fuzz_bins ${DOMB_FUZZ_DIR}/test/fuzz/${t})
endforeach()
# Only the fuzz targets are built there ($(MAKE) shares our job slots).
ExternalProject_Add(fuzz-targets
    SOURCE_DIR ${CMAKE_SOURCE_DIR}
    BINARY_DIR ${DOMB_FUZZ_DIR}
    CMAKE_ARGS
        -DCMAKE_C_COMPILER=${DOMB_CLANG}
        -DCMAKE_BUILD_TYPE=Debug
        -DDOMB_FUZZ=ON
        -DDOMB_SANITIZE=OFF
        -DDOMB_INTEGRATION=OFF
    BUILD_COMMAND $(MAKE) ${DOMB_FUZZ_TARGETS}
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    BUILD_BYPRODUCTS ${fuzz_bins})
foreach(t ${DOMB_FUZZ_TARGETS})
    # Seeds: test/fuzz/corpus/<target>; fuzz_elf's come from the ELF corpus
    # generator at build time (test/fuzz/corpus/README.md).
    set(seeds ${CMAKE_SOURCE_DIR}/test/fuzz/corpus/${t})
    if(t STREQUAL fuzz_elf)
        set(seeds ${CMAKE_BINARY_DIR}/test/unit/builder/core/corpus)
    endif()
    add_test(NAME fuzz.${t}
             COMMAND ${CMAKE_SOURCE_DIR}/test/fuzz/run-fuzz ${DOMB_FUZZ_DIR}/test/fuzz/${t}
                     ${seeds}
                     ${CMAKE_BINARY_DIR}/fuzz-scratch/${t} ${DOMB_FUZZ_SECONDS})
    math(EXPR budget "${DOMB_FUZZ_SECONDS} * 2 + 120")
    set_tests_properties(fuzz.${t} PROPERTIES LABELS fuzz TIMEOUT ${budget})
endforeach()

# ---- static analysis and formatting ----
find_program(DOMB_CLANG_TIDY clang-tidy REQUIRED)
find_program(DOMB_CPPCHECK cppcheck REQUIRED)
find_program(DOMB_CLANG_FORMAT clang-format REQUIRED)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_test(NAME lint.clang-tidy
         COMMAND ${Python3_EXECUTABLE} ${DOMB_LINT_DIR}/run-clang-tidy ${CMAKE_SOURCE_DIR} -j 2
                 --clang-tidy ${DOMB_CLANG_TIDY})
add_test(NAME lint.cppcheck COMMAND ${DOMB_LINT_DIR}/run-cppcheck ${CMAKE_SOURCE_DIR} 2)
add_test(NAME lint.format
         COMMAND ${DOMB_LINT_DIR}/check-format ${CMAKE_SOURCE_DIR} ${DOMB_CLANG_FORMAT})
add_test(NAME lint.layers COMMAND ${Python3_EXECUTABLE} ${DOMB_LINT_DIR}/check-layers ${CMAKE_SOURCE_DIR})
add_test(NAME lint.layers-selftest
         COMMAND sh ${DOMB_LINT_DIR}/check-layers-selftest ${CMAKE_SOURCE_DIR}
                 ${CMAKE_BINARY_DIR}/lint-layers)
set_tests_properties(lint.layers lint.layers-selftest PROPERTIES LABELS lint TIMEOUT 120)
set_tests_properties(lint.layers-selftest PROPERTIES PASS_REGULAR_EXPRESSION "^PASS")
set_tests_properties(lint.clang-tidy PROPERTIES LABELS lint TIMEOUT 900 PROCESSORS 2)
set_tests_properties(lint.cppcheck lint.format PROPERTIES LABELS lint TIMEOUT 300)
