# Fuzz target for the db-server protocol: ring page + request decoding on the
# server side, and the client's response decoder.
domb_fuzz_target(fuzz_protocol SOURCES fuzz_protocol.c LIBS domb_proto domb_lib)
