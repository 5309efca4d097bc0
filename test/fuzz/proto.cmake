# Fuzz targets for the boot archive formats: CPIO reader + boot set, binary
# spec + manifest decoders, and the config parser.
domb_fuzz_target(fuzz_cpio SOURCES fuzz_cpio.c LIBS domb_initrd domb_proto domb_lib)
domb_fuzz_target(fuzz_spec SOURCES fuzz_spec.c LIBS domb_proto domb_lib)
domb_fuzz_target(fuzz_config SOURCES fuzz_config.c LIBS domb_proto domb_lib)
