/*
 * libFuzzer: the xl-style config parser. Every input is parsed as a config;
 * one that parses must also encode as a spec that decodes back to the same
 * configuration, and a rejected one must carry a "fuzz.cfg" message.
 */
#include <domb/lib.h>
#include <proto/config.h>
#include <proto/spec.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t spec[SPEC_V1_SIZE];
    static struct vm_config cfg, back;
    struct domb_error err;

    if (config_parse((const char *)data, size, "fuzz.cfg", &cfg, NULL, &err) == 0) {
        if (spec_encode(&cfg, spec, sizeof(spec), &err) != SPEC_V1_SIZE)
            __builtin_trap();
        if (spec_decode(spec, sizeof(spec), &back, &err) != 0)
            __builtin_trap();
        if (spec_encode(&back, spec, sizeof(spec), &err) != SPEC_V1_SIZE)
            __builtin_trap();
        if (memcmp(cfg.name, back.name, sizeof(cfg.name)) != 0 ||
            back.memory_mib != cfg.memory_mib || back.nr_irqs != cfg.nr_irqs)
            __builtin_trap();
    } else if (err.code >= 0 || strncmp(err.msg, "fuzz.cfg", 8) != 0) {
        __builtin_trap();
    }
    return 0;
}
