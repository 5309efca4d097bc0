/*
 * The sub-syntax of one item of xl's `vif` and `disk` lists (private to the
 * config parser, proto/config.c). Each parses one decoded string into a
 * device and checks it alone (vm_config_check_device); checks across the
 * config (duplicates, the backend being the VM itself, the default MAC that
 * needs the VM's name) stay with the caller. Messages have no location and
 * no device prefix: the caller adds "FILE:LINE: vif N: ".
 */
#ifndef PROTO_CONFIG_DEVICE_H
#define PROTO_CONFIG_DEVICE_H

#include <proto/vm_config.h>

/* A vif spec ("mac=...,bridge=...", xl-network-configuration(5)) as vif
 * number `index`; *mac_given says whether it named a MAC (else mac is zero
 * and the caller fills the default). */
int config_device_vif(const char *spec, uint32_t index, struct vm_device *dev, bool *mac_given,
                      struct domb_error *err);

/* A disk spec (xl-disk-configuration(5): positional, key=value and the
 * deprecated prefix forms). */
int config_device_disk(const char *spec, struct vm_device *dev, struct domb_error *err);

#endif
