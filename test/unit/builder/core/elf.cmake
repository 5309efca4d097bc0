# ELF loader tests: valid images from an in-test writer, elf_copy_out(), and
# the malformed corpus (elf_corpus.c). gen_elf_corpus writes the corpus to
# ${CMAKE_CURRENT_BINARY_DIR}/corpus (good_*.elf, bad_*.elf) for the fuzzer.
domb_unit_test(test_elf SOURCES test_elf.c elf_corpus.c elf_writer.c LIBS domb_builder domb_lib)

add_executable(gen_elf_corpus gen_elf_corpus.c elf_corpus.c elf_writer.c)
domb_target_defaults(gen_elf_corpus)
target_link_libraries(gen_elf_corpus PRIVATE domb_builder)
set(elf_corpus_dir ${CMAKE_CURRENT_BINARY_DIR}/corpus)
add_custom_command(OUTPUT ${elf_corpus_dir}/.stamp
                   COMMAND gen_elf_corpus ${elf_corpus_dir}
                   COMMAND ${CMAKE_COMMAND} -E touch ${elf_corpus_dir}/.stamp
                   DEPENDS gen_elf_corpus
                   COMMENT "Writing the ELF loader corpus to ${elf_corpus_dir}")
add_custom_target(elf_corpus ALL DEPENDS ${elf_corpus_dir}/.stamp)
