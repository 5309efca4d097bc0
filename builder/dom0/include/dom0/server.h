/*
 * db-server's request handling: reads requests from each VM's channel ring
 * (copied out of the shared page before they are decoded), checks who may
 * ask what, builds/starts/destroys VMs through the platform, and answers.
 * Only VMs whose spec says db_client may make requests; others are refused
 * and logged. A client that corrupts its ring is dropped; everyone else is
 * still served.
 */
#ifndef DOMB_SERVER_H
#define DOMB_SERVER_H

#include <dom0/platform.h>

struct server {
    struct platform *platform;
    const void *catalog; /* the initramfs: images are domb/images/<name> */
    size_t catalog_len;
    bool marked;                   /* free memory recorded before the first VM built on
                                    * request; cleared when the last of them is gone */
    uint64_t xen_free_before;      /* host free pages then */
    uint64_t alloc_free_before;    /* our allocator's free pages then */
    uint32_t xs_nodes_before;      /* nodes in the xenstore then */
    unsigned int boot_held_before; /* VMs of the boot set holding memory then */
    unsigned long requests, builds;
    /* The FLASK labels of the VMs built on request (a client cannot choose
     * them): db-server's command line "domb.guest_seclabel=" and
     * "domb.guest_init_seclabel="; empty: Xen's default domU label. */
    char guest_seclabel[VM_SECLABEL_MAX + 1];
    char guest_init_seclabel[VM_SECLABEL_MAX + 1];
};

void server_init(struct server *s, struct platform *p, const void *catalog, size_t len);

/*
 * The labels of the VMs clients ask for, from the server's command line
 * (docs/disaggregation.md): checked as xl's seclabel and init_seclabel are
 * (an init_seclabel needs a seclabel). Returns 0 (nothing given is fine) or
 * -XEN_EINVAL naming the argument and the problem.
 */
int server_set_labels(struct server *s, const char *cmdline, struct domb_error *err);

/* Append the channel ports of VMs that can talk to us; returns the count. */
unsigned int server_ports(const struct server *s, evtchn_port_t *ports, unsigned int max);

/* Serve every channel whose event is pending. */
void server_handle_events(struct server *s);

/* Client channels server_run watches at most (beside the platform's). */
#define SERVER_POLL_MAX 128u

/* db-server's event loop: serve requests and supervise the platform until
 * every VM has stopped (forever with "stay"). */
void server_run(struct server *s);

#endif
