/*
 * ike_socket.h - the embedded charon's UDP sockets (its `socket`
 * feature, in place of the socket-default plugin).
 *
 * Port 500 is IKE's alone. Port 4500 carries both IKE and ESP in UDP
 * (RFC 3948), and tunneld's workers read ESP from their own port 4500
 * sockets (SO_REUSEPORT, one per worker). The NAT-T socket here joins
 * that group first and attaches a classic BPF steering program to it:
 * datagrams that begin with the non-ESP marker (IKE) come to this
 * socket, every other one to a worker (by SPI). So ESP never passes through
 * charon, and IKE never through the workers (which would drop it as
 * GD_NOT_ESP). ike_start() must therefore run before the workers open
 * their UDP sockets, i.e. before the configuration is applied.
 *
 * IPv4 only, as the SA database. Sends from the IKE SA's local address
 * (IP_PKTINFO), since the sockets are bound to any address.
 *
 * Ownership: charon owns the socket_t and destroys it.
 */
#ifndef SKYGATE_IKE_SOCKET_H
#define SKYGATE_IKE_SOCKET_H

#include <network/socket.h>

/* How many workers share port 4500 (the steering program spreads ESP
 * over them); set before charon creates the socket. */
void ike_socket_bind(unsigned nworkers);

/* socket_constructor_t for PLUGIN_CALLBACK(socket_register, ...). The
 * ports are charon's settings (%s.port, %s.port_nat_t). */
socket_t *ike_socket_create(void);

#endif
