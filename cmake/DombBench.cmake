# Benchmarks (docs/performance.md): `cmake --workflow --preset bench`.
#
# The host-side instruction-count check (test/callgrind, ctest label `perf`)
# is read at the end of the top-level CMakeLists, once testing is enabled.
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL include
    ${CMAKE_SOURCE_DIR}/test/callgrind/callgrind.cmake)
