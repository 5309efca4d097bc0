# libFuzzer target for the ELF loader (builder/core/elf.c). Seeds: the valid
# and malformed images test/unit/builder/core/gen_elf_corpus writes at build
# time (test/fuzz/corpus/README.md).
domb_fuzz_target(fuzz_elf SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_elf.c LIBS domb_builder domb_lib)
