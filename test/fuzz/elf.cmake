# libFuzzer target for the ELF loader (builder/elf.c). Seeds: a few valid and
# malformed images from test/unit/builder/core/gen_elf_corpus in corpus/fuzz_elf/.
domb_fuzz_target(fuzz_elf SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_elf.c LIBS domb_builder domb_lib)
