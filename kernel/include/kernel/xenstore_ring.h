/*
 * The xenstore ring a domB guest was given, opened for its client
 * (kernel/xenstore_client.h): start_info's store_mfn/store_evtchn for PV,
 * HVM_PARAM_STORE_PFN/_EVTCHN (boot_info.pvh) for PVH.
 */
#ifndef DOMB_XENSTORE_RING_H
#define DOMB_XENSTORE_RING_H

#include <kernel/xenstore_client.h>

/* Open c on our store ring; waits use SCHEDOP_poll on its port. Fails
 * (err says why) for dom0, or when the builder gave us no store. */
int xenstore_open(struct xs_client *c, struct domb_error *err);

/* Our store ring's event channel (after xenstore_open). */
evtchn_port_t xenstore_evtchn(void);

#endif
