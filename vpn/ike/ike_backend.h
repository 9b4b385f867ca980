/*
 * ike_backend.h - tunneld's IKE tunnels as charon's configuration
 * (ike_backend.c): a backend_t, the pre-shared keys, and each tunnel's
 * state from charon's bus. Used by ike_charon.c between charon's start
 * and stop, on the main thread; charon's threads read the configuration
 * under the backend's lock.
 *
 * Ownership: the backend copies what ike_backend_sync() is given.
 */
#ifndef SKYGATE_IKE_BACKEND_H
#define SKYGATE_IKE_BACKEND_H

#include <stddef.h>

#include "ike.h"

void ike_backend_start(void);
void ike_backend_stop(void);
int ike_backend_sync(const struct ike_conn *conns, size_t n, char *err, size_t errlen);
void ike_backend_state(const char *name, char *state, size_t slen, char *error, size_t elen);

#endif
