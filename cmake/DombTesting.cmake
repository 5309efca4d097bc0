# Test helpers for the host build.

# domb_unit_test(NAME SOURCES src... [LIBS lib...])
#
# Builds one cmocka executable and registers every `cmocka_unit_test*(case)`
# found in its sources as its own ctest test "NAME.case" (label `unit`), so
# ctest reports each case. The executable's main must use DOMB_TEST_MAIN from
# test/unit/domb_test.h, which runs only the case named on the command line.
function(domb_unit_test name)
    cmake_parse_arguments(A "" "" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${name} ${A_SOURCES})
    domb_target_defaults(${name})
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/test/unit ${CMAKE_SOURCE_DIR}/test)
    target_link_libraries(${name} PRIVATE ${A_LIBS} cmocka)
    set(cases "")
    foreach(src ${A_SOURCES})
        get_filename_component(abs ${src} ABSOLUTE)
        file(STRINGS ${abs} lines REGEX "cmocka_unit_test[a-z_]*\\([A-Za-z0-9_]+")
        foreach(line ${lines})
            # clang-format may put several cases on one line: take them all.
            string(REGEX MATCHALL "cmocka_unit_test[a-z_]*\\([A-Za-z0-9_]+" ms "${line}")
            foreach(m ${ms})
                string(REGEX REPLACE "^.*\\(" "" c "${m}")
                list(APPEND cases ${c})
            endforeach()
        endforeach()
    endforeach()
    if(NOT cases)
        message(FATAL_ERROR "domb_unit_test(${name}): no cmocka_unit_test cases found")
    endif()
    list(REMOVE_DUPLICATES cases)
    foreach(c ${cases})
        add_test(NAME ${name}.${c} COMMAND ${name} ${c})
        set_tests_properties(${name}.${c} PROPERTIES LABELS "unit;${A_LABELS}" TIMEOUT 300)
    endforeach()
endfunction()
