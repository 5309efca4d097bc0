# Differential libFuzzer targets for the decompressors (builder/decompress):
# fuzz_xz against liblzma, fuzz_gzip against zlib, and fuzz_bzimage for the
# bzImage header checks. The references come from test/unit/decompress/ref.c.
if(NOT TARGET decompress_test_ref)
    find_library(DOMB_LZMA_LIB lzma REQUIRED)
    find_library(DOMB_Z_LIB z REQUIRED)
    add_library(decompress_test_ref STATIC ${CMAKE_SOURCE_DIR}/test/unit/decompress/ref.c
                                           ${CMAKE_SOURCE_DIR}/test/unit/decompress/xz_build.c)
    domb_target_defaults(decompress_test_ref)
    target_link_libraries(decompress_test_ref PUBLIC ${DOMB_LZMA_LIB} ${DOMB_Z_LIB})
endif()
domb_fuzz_target(fuzz_xz SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_xz.c
                 LIBS domb_decompress decompress_test_ref domb_lib)
domb_fuzz_target(fuzz_gzip SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_gzip.c
                 LIBS domb_decompress decompress_test_ref domb_lib)
domb_fuzz_target(fuzz_bzimage SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_bzimage.c
                 LIBS domb_decompress domb_lib)
