/*
 * libFuzzer: the xl-style config parser. Every input is parsed as a config;
 * one that parses must also encode as a spec (devices given a backend, as
 * domb-pack does) that decodes back to the same configuration, and a
 * rejected one must carry a "fuzz.cfg" message.
 */
#include <domb/lib.h>
#include <proto/config.h>
#include <proto/spec.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t spec[SPEC_MAX_SIZE];
    static struct vm_config cfg, back;
    struct domb_error err;
    int n;

    if (config_parse((const char *)data, size, "fuzz.cfg", &cfg, NULL, &err) == 0) {
        /* What domb-pack does: devices without backend= get a driver domain. */
        for (uint32_t i = 0; i < cfg.nr_devices; i++)
            if (cfg.devices[i].backend[0] == '\0')
                strcpy(cfg.devices[i].backend, strcmp(cfg.name, "dd") ? "dd" : "dd2");
        n = spec_encode(&cfg, spec, sizeof(spec), &err);
        if (n < 0 || (size_t)n != spec_size_for(&cfg))
            __builtin_trap();
        if (spec_decode(spec, (size_t)n, &back, &err) != 0)
            __builtin_trap();
        if (spec_encode(&back, spec, sizeof(spec), &err) != n)
            __builtin_trap();
        if (memcmp(cfg.name, back.name, sizeof(cfg.name)) != 0 ||
            back.memory_mib != cfg.memory_mib || back.nr_irqs != cfg.nr_irqs ||
            back.nr_devices != cfg.nr_devices ||
            memcmp(back.devices, cfg.devices, sizeof(cfg.devices)) != 0)
            __builtin_trap();
    } else if (err.code >= 0 || strncmp(err.msg, "fuzz.cfg", 8) != 0) {
        __builtin_trap();
    }
    return 0;
}
