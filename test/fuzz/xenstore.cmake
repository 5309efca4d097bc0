# Fuzz target for the builder's xenstore: hostile guests' rings and message
# streams against one shared store.
domb_fuzz_target(fuzz_xenstore SOURCES fuzz_xenstore.c LIBS domb_xenstore domb_lib)
