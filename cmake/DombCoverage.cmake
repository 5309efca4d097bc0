# Coverage of the host build (preset `coverage`: cmake --workflow --preset
# coverage). With DOMB_COVERAGE=ON every host target (shared code, tools,
# unit tests) is compiled with --coverage; the `coverage-report` target
# gathers what the unit tests ran with lcov, writes the HTML report to
# ${CMAKE_BINARY_DIR}/coverage/index.html and prints line and branch coverage
# per area (test/coverage/coverage-summary). See docs/reliability.md.
option(DOMB_COVERAGE "Build host code and tests with gcov instrumentation" OFF)
if(NOT DOMB_COVERAGE)
    return()
endif()
if(DOMB_SANITIZE)
    message(WARNING "DOMB_COVERAGE with DOMB_SANITIZE: the sanitizers slow the tests and skew branches")
endif()

# Targets made before this file was included (kernel/, builder/, proto/,
# initrd/, tools/) get the flags directly; later ones (test/) from the
# directory defaults below.
function(domb_coverage_instrument dir)
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(t ${targets})
        get_target_property(type ${t} TYPE)
        if(type MATCHES "^(STATIC_LIBRARY|OBJECT_LIBRARY|EXECUTABLE|SHARED_LIBRARY)$")
            target_compile_options(${t} PRIVATE --coverage)
            target_link_options(${t} PRIVATE --coverage)
        endif()
    endforeach()
    get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    foreach(d ${subdirs})
        domb_coverage_instrument(${d})
    endforeach()
endfunction()
domb_coverage_instrument(${CMAKE_SOURCE_DIR})
add_compile_options(--coverage)
add_link_options(--coverage)

find_program(DOMB_LCOV lcov REQUIRED)
find_program(DOMB_GENHTML genhtml REQUIRED)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(cov ${CMAKE_BINARY_DIR}/coverage)
set(lcov_rc --rc lcov_branch_coverage=1)
add_custom_target(coverage-report
    COMMAND ${CMAKE_COMMAND} -E make_directory ${cov}
    COMMAND ${DOMB_LCOV} --quiet ${lcov_rc} --capture --directory ${CMAKE_BINARY_DIR}
            --output-file ${cov}/all.info
    COMMAND ${DOMB_LCOV} --quiet ${lcov_rc} --extract ${cov}/all.info
            "${CMAKE_SOURCE_DIR}/builder/*" "${CMAKE_SOURCE_DIR}/proto/*"
            "${CMAKE_SOURCE_DIR}/initrd/*" "${CMAKE_SOURCE_DIR}/kernel/*"
            "${CMAKE_SOURCE_DIR}/tools/*" "${CMAKE_SOURCE_DIR}/test/sim/*"
            --output-file ${cov}/domb.info
    COMMAND ${DOMB_GENHTML} --quiet ${lcov_rc} --branch-coverage --legend
            --title "domB unit tests" --output-directory ${cov} ${cov}/domb.info
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/test/coverage/coverage-summary
            ${cov}/domb.info ${CMAKE_SOURCE_DIR}
    COMMAND ${CMAKE_COMMAND} -E echo "coverage: report in ${cov}/index.html"
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
    VERBATIM
    COMMENT "Coverage report (lcov/genhtml) of the last test run")
