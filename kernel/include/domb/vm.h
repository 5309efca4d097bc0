/*
 * The VMs a builder kernel (db-boot, db-server) manages: build one from a
 * config and images, start it, relay its console, notice that it stopped and
 * why, destroy it, and report.
 */
#ifndef DOMB_VM_H
#define DOMB_VM_H

#include <builder/build.h>
#include <domb/relay.h>
#include <proto/vm_config.h>

enum vm_state {
    VM_EMPTY = 0,
    VM_FAILED,    /* never built (bad config/image) or the build failed */
    VM_BUILT,     /* built, paused */
    VM_RUNNING,   /* unpaused */
    VM_STOPPED,   /* shut down (reason in shutdown_reason) */
    VM_DESTROYED, /* gone */
};

struct vm {
    char name[64];
    enum vm_state state;
    struct domb_error error; /* why it failed (state VM_FAILED) */
    domid_t domid;
    uint32_t memory_mib;
    enum vm_on_exit on_exit;
    uint64_t build_ns;
    unsigned int hypercalls;
    unsigned int shutdown_reason; /* SHUTDOWN_* once stopped */
    struct builder_result result;
    struct relay_console console;
    bool relay;
};

/* Build a VM (left paused). On failure state = VM_FAILED with error set and
 * nothing of the domain left behind. */
int vm_build(struct vm *vm, const struct vm_config *cfg, const void *kernel, size_t kernel_size,
             const void *ramdisk, size_t ramdisk_size, bool relay);

/* Record a VM that could not even be attempted (e.g. its spec was bad). */
void vm_fail(struct vm *vm, const char *name, const struct domb_error *why);

int vm_unpause(struct vm *vm);

/* Ask Xen whether the VM has shut down; if so, drain its console and move it
 * to VM_STOPPED. Returns true if it is stopped (or gone). */
bool vm_poll_exit(struct vm *vm);

/* Destroy the domain and wait (bounded) until Xen has freed all of it. */
int vm_destroy(struct vm *vm);

/* "poweroff", "crash", ... for a SHUTDOWN_* code. */
const char *vm_shutdown_name(unsigned int reason);

/* Print the summary table of n VMs. */
void vm_print_summary(const struct vm *vms, unsigned int n);

#endif
