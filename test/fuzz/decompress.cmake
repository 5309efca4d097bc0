# Differential libFuzzer targets for the decompressors (builder/decompress):
# fuzz_xz against liblzma, fuzz_gzip against zlib, and fuzz_bzimage for the
# bzImage header checks. The references (decompress_test_ref) are
# defined by test/unit/builder/decompress.
domb_fuzz_target(fuzz_xz SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_xz.c
                 LIBS domb_decompress decompress_test_ref domb_lib)
domb_fuzz_target(fuzz_gzip SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_gzip.c
                 LIBS domb_decompress decompress_test_ref domb_lib)
domb_fuzz_target(fuzz_bzimage SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_bzimage.c
                 LIBS domb_decompress domb_lib)
