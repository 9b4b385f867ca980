/*
 * RFC 4271 section 8.2.2, one function per state. Each function is the
 * RFC's text for that state, in the RFC's order; events a state does not
 * name fall to the "any other event" paragraph, which for the connected
 * states is an FSM Error NOTIFICATION (RFC 6608 subcodes).
 */
#include "bgp_fsm.h"

#include <stdio.h>
#include <string.h>

static const char *const state_names[BGP_STATE_COUNT] = {
	[BGP_STATE_IDLE] = "Idle",         [BGP_STATE_CONNECT] = "Connect",
	[BGP_STATE_ACTIVE] = "Active",     [BGP_STATE_OPENSENT] = "OpenSent",
	[BGP_STATE_OPENCONFIRM] = "OpenConfirm", [BGP_STATE_ESTABLISHED] = "Established",
};

const char *bgp_state_name(enum bgp_state state)
{
	return (unsigned)state < BGP_STATE_COUNT ? state_names[state] : "Unknown";
}

const char *bgp_event_name(enum bgp_event ev)
{
	switch (ev) {
	case BGP_EV_MANUAL_START: return "ManualStart";
	case BGP_EV_MANUAL_STOP: return "ManualStop";
	case BGP_EV_AUTOMATIC_START: return "AutomaticStart";
	case BGP_EV_MANUAL_START_PASSIVE: return "ManualStart_with_PassiveTcpEstablishment";
	case BGP_EV_AUTOMATIC_START_PASSIVE: return "AutomaticStart_with_PassiveTcpEstablishment";
	case BGP_EV_CONNECT_RETRY_EXPIRES: return "ConnectRetryTimer_Expires";
	case BGP_EV_HOLD_EXPIRES: return "HoldTimer_Expires";
	case BGP_EV_KEEPALIVE_EXPIRES: return "KeepaliveTimer_Expires";
	case BGP_EV_TCP_CR_ACKED: return "Tcp_CR_Acked";
	case BGP_EV_TCP_CONFIRMED: return "TcpConnectionConfirmed";
	case BGP_EV_TCP_FAILS: return "TcpConnectionFails";
	case BGP_EV_OPEN: return "BGPOpen";
	case BGP_EV_HEADER_ERR: return "BGPHeaderErr";
	case BGP_EV_OPEN_ERR: return "BGPOpenMsgErr";
	case BGP_EV_COLLISION_DUMP: return "OpenCollisionDump";
	case BGP_EV_NOTIF_VERSION_ERR: return "NotifMsgVerErr";
	case BGP_EV_NOTIFICATION: return "NotifMsg";
	case BGP_EV_KEEPALIVE: return "KeepAliveMsg";
	case BGP_EV_UPDATE: return "UpdateMsg";
	case BGP_EV_UPDATE_ERR: return "UpdateMsgErr";
	case BGP_EV_ROUTE_REFRESH: return "RouteRefreshMsg";
	}
	return "Unknown";
}

void bgp_fsm_init(struct bgp_fsm *fsm, const struct bgp_fsm_ops *ops, void *ctx, bool passive)
{
	memset(fsm, 0, sizeof(*fsm));
	fsm->state = BGP_STATE_IDLE;
	fsm->ops = ops;
	fsm->ctx = ctx;
	fsm->passive = passive;
}

static void stop_all_timers(struct bgp_fsm *fsm)
{
	fsm->ops->stop_connect_retry(fsm->ctx);
	fsm->ops->stop_hold(fsm->ctx);
	fsm->ops->stop_keepalive(fsm->ctx);
}

/* The common ending of most error paragraphs: "sets the ConnectRetryTimer
 * to zero, releases all BGP resources, drops the TCP connection, increments
 * the ConnectRetryCounter by 1, (optionally performs peer oscillation
 * damping), and changes its state to Idle." */
static enum bgp_state to_idle(struct bgp_fsm *fsm, const char *reason)
{
	stop_all_timers(fsm);
	fsm->ops->disconnect(fsm->ctx);
	fsm->connect_retry_counter++;
	snprintf(fsm->last_reset, sizeof(fsm->last_reset), "%s", reason);
	fsm->state = BGP_STATE_IDLE;
	fsm->ops->down(fsm->ctx, reason);
	return fsm->state;
}

static enum bgp_state notify_and_idle(struct bgp_fsm *fsm, uint8_t code, uint8_t subcode, const char *reason)
{
	struct bgp_error err = {.code = code, .subcode = subcode};

	fsm->ops->send_notification(fsm->ctx, &err);
	return to_idle(fsm, reason);
}

/* Send the NOTIFICATION the parser prepared. */
static enum bgp_state pending_error_and_idle(struct bgp_fsm *fsm, const char *reason)
{
	fsm->ops->send_notification(fsm->ctx, &fsm->pending_error);
	return to_idle(fsm, reason);
}

/* RFC 6608: the FSM Error subcode names the state the unexpected message
 * arrived in. */
static uint8_t fsm_error_subcode(enum bgp_state state)
{
	switch (state) {
	case BGP_STATE_OPENSENT: return BGP_FSM_IN_OPENSENT;
	case BGP_STATE_OPENCONFIRM: return BGP_FSM_IN_OPENCONFIRM;
	case BGP_STATE_ESTABLISHED: return BGP_FSM_IN_ESTABLISHED;
	default: return BGP_FSM_UNSPECIFIED;
	}
}

static enum bgp_state start_connecting(struct bgp_fsm *fsm)
{
	fsm->ops->start_connect_retry(fsm->ctx);
	if (fsm->passive) {
		fsm->state = BGP_STATE_ACTIVE;
		return fsm->state;
	}
	fsm->state = BGP_STATE_CONNECT;
	if (fsm->ops->connect(fsm->ctx) != 0) {
		/* The attempt failed at once (no route, say): wait in Active for
		 * the retry timer or for the peer to call us. */
		fsm->state = BGP_STATE_ACTIVE;
	}
	return fsm->state;
}

/* Connection up in Connect or Active: "sends an OPEN message to its peer,
 * sets the HoldTimer to a large value, and changes its state to OpenSent." */
static enum bgp_state connection_up(struct bgp_fsm *fsm)
{
	fsm->ops->stop_connect_retry(fsm->ctx);
	fsm->ops->send_open(fsm->ctx);
	fsm->ops->start_hold(fsm->ctx, true);
	fsm->state = BGP_STATE_OPENSENT;
	return fsm->state;
}

static enum bgp_state on_idle(struct bgp_fsm *fsm, enum bgp_event ev)
{
	switch (ev) {
	case BGP_EV_MANUAL_START:
	case BGP_EV_AUTOMATIC_START:
		fsm->connect_retry_counter = ev == BGP_EV_MANUAL_START ? 0 : fsm->connect_retry_counter;
		return start_connecting(fsm);
	case BGP_EV_MANUAL_START_PASSIVE:
	case BGP_EV_AUTOMATIC_START_PASSIVE:
		fsm->ops->start_connect_retry(fsm->ctx);
		fsm->state = BGP_STATE_ACTIVE;
		return fsm->state;
	default:
		/* "Any other event ... is ignored in the Idle state." A
		 * connection that still reports in is dropped. */
		if (ev == BGP_EV_TCP_CONFIRMED || ev == BGP_EV_TCP_CR_ACKED)
			fsm->ops->disconnect(fsm->ctx);
		return fsm->state;
	}
}

/* Connect and Active differ only in who opens the connection next. */
static enum bgp_state on_connect_or_active(struct bgp_fsm *fsm, enum bgp_event ev)
{
	switch (ev) {
	case BGP_EV_MANUAL_START:
	case BGP_EV_AUTOMATIC_START:
	case BGP_EV_MANUAL_START_PASSIVE:
	case BGP_EV_AUTOMATIC_START_PASSIVE:
		return fsm->state;          /* "ignored" */
	case BGP_EV_MANUAL_STOP:
		stop_all_timers(fsm);
		fsm->ops->disconnect(fsm->ctx);
		fsm->connect_retry_counter = 0;
		snprintf(fsm->last_reset, sizeof(fsm->last_reset), "Admin. shutdown");
		fsm->state = BGP_STATE_IDLE;
		fsm->ops->down(fsm->ctx, "Admin. shutdown");
		return fsm->state;
	case BGP_EV_CONNECT_RETRY_EXPIRES:
		/* Drop any attempt in progress and try again (Connect), or
		 * start one (Active). */
		fsm->ops->disconnect(fsm->ctx);
		return start_connecting(fsm);
	case BGP_EV_TCP_CR_ACKED:
	case BGP_EV_TCP_CONFIRMED:
		return connection_up(fsm);
	case BGP_EV_TCP_FAILS:
		if (fsm->state == BGP_STATE_CONNECT) {
			/* Keep the retry timer: the next attempt comes from
			 * Active when it fires, or the peer calls us first. */
			fsm->ops->disconnect(fsm->ctx);
			fsm->state = BGP_STATE_ACTIVE;
			return fsm->state;
		}
		return to_idle(fsm, "TCP connection failed");
	case BGP_EV_NOTIF_VERSION_ERR:
		stop_all_timers(fsm);
		fsm->ops->disconnect(fsm->ctx);
		fsm->state = BGP_STATE_IDLE;
		fsm->ops->down(fsm->ctx, "peer does not speak BGP-4");
		return fsm->state;
	default:
		/* Section 8.2.2, Connect/Active, "any other event": to Idle. */
		return to_idle(fsm, "FSM error before OPEN");
	}
}

/* OpenSent, OpenConfirm and Established share their error paragraphs. */
static enum bgp_state on_connected_common(struct bgp_fsm *fsm, enum bgp_event ev, bool *handled)
{
	*handled = true;
	switch (ev) {
	case BGP_EV_MANUAL_START:
	case BGP_EV_AUTOMATIC_START:
	case BGP_EV_MANUAL_START_PASSIVE:
	case BGP_EV_AUTOMATIC_START_PASSIVE:
		return fsm->state;
	case BGP_EV_MANUAL_STOP:
		fsm->connect_retry_counter = 0;
		return notify_and_idle(fsm, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, "Admin. shutdown");
	case BGP_EV_HOLD_EXPIRES:
		return notify_and_idle(fsm, BGP_ERR_HOLD_TIMER, 0, "Hold Timer Expired");
	case BGP_EV_TCP_FAILS:
		if (fsm->state == BGP_STATE_OPENSENT) {
			/* "closes the BGP connection, restarts the
			 * ConnectRetryTimer, continues to listen ... and changes
			 * its state to Active." */
			fsm->ops->disconnect(fsm->ctx);
			fsm->ops->stop_hold(fsm->ctx);
			fsm->ops->start_connect_retry(fsm->ctx);
			fsm->state = BGP_STATE_ACTIVE;
			return fsm->state;
		}
		return to_idle(fsm, "Peer closed the session");
	case BGP_EV_HEADER_ERR:
		return pending_error_and_idle(fsm, "Message header error");
	case BGP_EV_OPEN_ERR:
		return pending_error_and_idle(fsm, "OPEN message error");
	case BGP_EV_COLLISION_DUMP:
		return notify_and_idle(fsm, BGP_ERR_CEASE, BGP_CEASE_COLLISION, "Connection collision resolution");
	case BGP_EV_NOTIF_VERSION_ERR:
	case BGP_EV_NOTIFICATION:
		return to_idle(fsm, "NOTIFICATION received");
	default:
		*handled = false;
		return fsm->state;
	}
}

static enum bgp_state on_opensent(struct bgp_fsm *fsm, enum bgp_event ev)
{
	if (ev == BGP_EV_OPEN) {
		/* "sends a KEEPALIVE message, sets a KeepaliveTimer, sets the
		 * HoldTimer according to the negotiated value, and changes its
		 * state to OpenConfirm." */
		fsm->ops->stop_connect_retry(fsm->ctx);
		fsm->ops->send_keepalive(fsm->ctx);
		fsm->ops->start_keepalive(fsm->ctx);
		fsm->ops->start_hold(fsm->ctx, false);
		fsm->state = BGP_STATE_OPENCONFIRM;
		return fsm->state;
	}
	return notify_and_idle(fsm, BGP_ERR_FSM, fsm_error_subcode(fsm->state), "FSM error in OpenSent");
}

/* "sends a KEEPALIVE message, and restarts the KeepaliveTimer" (OpenConfirm
 * and Established alike). */
static enum bgp_state keepalive_tick(struct bgp_fsm *fsm)
{
	fsm->ops->send_keepalive(fsm->ctx);
	fsm->ops->start_keepalive(fsm->ctx);
	return fsm->state;
}

static enum bgp_state on_openconfirm(struct bgp_fsm *fsm, enum bgp_event ev)
{
	switch (ev) {
	case BGP_EV_KEEPALIVE_EXPIRES:
		return keepalive_tick(fsm);
	case BGP_EV_KEEPALIVE:
		fsm->ops->start_hold(fsm->ctx, false);
		fsm->state = BGP_STATE_ESTABLISHED;
		fsm->ops->established(fsm->ctx);
		return fsm->state;
	default:
		return notify_and_idle(fsm, BGP_ERR_FSM, fsm_error_subcode(fsm->state), "FSM error in OpenConfirm");
	}
}

static enum bgp_state on_established(struct bgp_fsm *fsm, enum bgp_event ev)
{
	switch (ev) {
	case BGP_EV_KEEPALIVE_EXPIRES:
		return keepalive_tick(fsm);
	case BGP_EV_KEEPALIVE:
		fsm->ops->start_hold(fsm->ctx, false);
		return fsm->state;
	case BGP_EV_UPDATE:
		fsm->ops->start_hold(fsm->ctx, false);
		fsm->ops->process_update(fsm->ctx);
		return fsm->state;
	case BGP_EV_ROUTE_REFRESH:
		fsm->ops->start_hold(fsm->ctx, false);
		fsm->ops->process_refresh(fsm->ctx);
		return fsm->state;
	case BGP_EV_UPDATE_ERR:
		return pending_error_and_idle(fsm, "UPDATE message error");
	default:
		return notify_and_idle(fsm, BGP_ERR_FSM, fsm_error_subcode(fsm->state), "FSM error in Established");
	}
}

enum bgp_state bgp_fsm_event(struct bgp_fsm *fsm, enum bgp_event ev)
{
	bool handled;

	switch (fsm->state) {
	case BGP_STATE_IDLE:
		return on_idle(fsm, ev);
	case BGP_STATE_CONNECT:
	case BGP_STATE_ACTIVE:
		return on_connect_or_active(fsm, ev);
	case BGP_STATE_OPENSENT:
		on_connected_common(fsm, ev, &handled);
		return handled ? fsm->state : on_opensent(fsm, ev);
	case BGP_STATE_OPENCONFIRM:
		on_connected_common(fsm, ev, &handled);
		return handled ? fsm->state : on_openconfirm(fsm, ev);
	case BGP_STATE_ESTABLISHED:
		on_connected_common(fsm, ev, &handled);
		return handled ? fsm->state : on_established(fsm, ev);
	case BGP_STATE_COUNT:
		break;
	}
	return fsm->state;
}
