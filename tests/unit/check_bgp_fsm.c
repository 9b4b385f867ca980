/*
 * The RFC 4271 section 8 state machine against a recording owner: each
 * path through the states and the actions it asks for, in order.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bgp_fsm.h"
#include "unit.h"

/* The owner's actions, one letter each, in the order asked:
 * C connect, D disconnect, O open, K keepalive, N notification,
 * R/r connect-retry start/stop, H hold (h large), x hold stop,
 * A/a keepalive timer start/stop, E established, V down, U update, F refresh. */
static char trace[256];
static int connect_result;
static struct bgp_error last_notification;

static void rec(char c)
{
	size_t n = strlen(trace);
	if (n + 1 < sizeof(trace)) {
		trace[n] = c;
		trace[n + 1] = '\0';
	}
}

static int op_connect(void *ctx) { (void)ctx; rec('C'); return connect_result; }
static void op_disconnect(void *ctx) { (void)ctx; rec('D'); }
static void op_send_open(void *ctx) { (void)ctx; rec('O'); }
static void op_send_keepalive(void *ctx) { (void)ctx; rec('K'); }
static void op_send_notification(void *ctx, const struct bgp_error *err)
{
	(void)ctx;
	last_notification = *err;
	rec('N');
}
static void op_start_connect_retry(void *ctx) { (void)ctx; rec('R'); }
static void op_stop_connect_retry(void *ctx) { (void)ctx; rec('r'); }
static void op_start_hold(void *ctx, bool large) { (void)ctx; rec(large ? 'h' : 'H'); }
static void op_stop_hold(void *ctx) { (void)ctx; rec('x'); }
static void op_start_keepalive(void *ctx) { (void)ctx; rec('A'); }
static void op_stop_keepalive(void *ctx) { (void)ctx; rec('a'); }
static void op_established(void *ctx) { (void)ctx; rec('E'); }
static void op_down(void *ctx, const char *reason) { (void)ctx; (void)reason; rec('V'); }
static void op_update(void *ctx) { (void)ctx; rec('U'); }
static void op_refresh(void *ctx) { (void)ctx; rec('F'); }

static const struct bgp_fsm_ops ops = {
	.connect = op_connect, .disconnect = op_disconnect, .send_open = op_send_open,
	.send_keepalive = op_send_keepalive, .send_notification = op_send_notification,
	.start_connect_retry = op_start_connect_retry, .stop_connect_retry = op_stop_connect_retry,
	.start_hold = op_start_hold, .stop_hold = op_stop_hold, .start_keepalive = op_start_keepalive,
	.stop_keepalive = op_stop_keepalive, .established = op_established, .down = op_down,
	.process_update = op_update, .process_refresh = op_refresh,
};

static void reset(void)
{
	trace[0] = '\0';
	connect_result = 0;
	memset(&last_notification, 0, sizeof(last_notification));
}

/* Drive fsm to Established through the active path; trace cleared after. */
static void establish(struct bgp_fsm *fsm)
{
	bgp_fsm_init(fsm, &ops, NULL, false);
	bgp_fsm_event(fsm, BGP_EV_MANUAL_START);
	bgp_fsm_event(fsm, BGP_EV_TCP_CR_ACKED);
	bgp_fsm_event(fsm, BGP_EV_OPEN);
	bgp_fsm_event(fsm, BGP_EV_KEEPALIVE);
	ck_assert_int_eq(fsm->state, BGP_STATE_ESTABLISHED);
	reset();
}

START_TEST(test_active_open_to_established)
{
	struct bgp_fsm fsm;

	reset();
	bgp_fsm_init(&fsm, &ops, NULL, false);
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_MANUAL_START), BGP_STATE_CONNECT);
	ck_assert_str_eq(trace, "RC");
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_TCP_CR_ACKED), BGP_STATE_OPENSENT);
	ck_assert_str_eq(trace, "RCrOh");
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_OPEN), BGP_STATE_OPENCONFIRM);
	ck_assert_str_eq(trace, "RCrOhrKAH");
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_KEEPALIVE_EXPIRES), BGP_STATE_OPENCONFIRM);
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_KEEPALIVE), BGP_STATE_ESTABLISHED);
	ck_assert_str_eq(trace, "RCrOhrKAHKAHE");
}
END_TEST

START_TEST(test_passive_waits_in_active)
{
	struct bgp_fsm fsm;

	reset();
	bgp_fsm_init(&fsm, &ops, NULL, true);
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_MANUAL_START), BGP_STATE_ACTIVE);
	ck_assert_str_eq(trace, "R");
	/* The retry timer fires: still passive, no connect attempt. */
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_CONNECT_RETRY_EXPIRES), BGP_STATE_ACTIVE);
	ck_assert_ptr_null(strchr(trace, 'C'));
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_TCP_CONFIRMED), BGP_STATE_OPENSENT);
}
END_TEST

START_TEST(test_connect_failure_paths)
{
	struct bgp_fsm fsm;

	reset();
	connect_result = -1;
	bgp_fsm_init(&fsm, &ops, NULL, false);
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_MANUAL_START), BGP_STATE_ACTIVE);
	connect_result = 0;
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_CONNECT_RETRY_EXPIRES), BGP_STATE_CONNECT);
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_TCP_FAILS), BGP_STATE_ACTIVE);
	/* The peer calls us while we wait. */
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_TCP_CONFIRMED), BGP_STATE_OPENSENT);
	/* The connection drops in OpenSent: back to Active, retry armed. */
	reset();
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_TCP_FAILS), BGP_STATE_ACTIVE);
	ck_assert_str_eq(trace, "DxR");
}
END_TEST

struct error_case {
	enum bgp_state from;
	enum bgp_event ev;
	uint8_t code, subcode;
};

/* Unexpected messages and timer expiries send the RFC's NOTIFICATION. */
static const struct error_case error_cases[] = {
	{BGP_STATE_OPENSENT, BGP_EV_KEEPALIVE, BGP_ERR_FSM, BGP_FSM_IN_OPENSENT},
	{BGP_STATE_OPENSENT, BGP_EV_UPDATE, BGP_ERR_FSM, BGP_FSM_IN_OPENSENT},
	{BGP_STATE_OPENCONFIRM, BGP_EV_OPEN, BGP_ERR_FSM, BGP_FSM_IN_OPENCONFIRM},
	{BGP_STATE_OPENCONFIRM, BGP_EV_UPDATE, BGP_ERR_FSM, BGP_FSM_IN_OPENCONFIRM},
	{BGP_STATE_ESTABLISHED, BGP_EV_OPEN, BGP_ERR_FSM, BGP_FSM_IN_ESTABLISHED},
	{BGP_STATE_OPENSENT, BGP_EV_HOLD_EXPIRES, BGP_ERR_HOLD_TIMER, 0},
	{BGP_STATE_OPENCONFIRM, BGP_EV_HOLD_EXPIRES, BGP_ERR_HOLD_TIMER, 0},
	{BGP_STATE_ESTABLISHED, BGP_EV_HOLD_EXPIRES, BGP_ERR_HOLD_TIMER, 0},
	{BGP_STATE_ESTABLISHED, BGP_EV_MANUAL_STOP, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN},
	{BGP_STATE_OPENCONFIRM, BGP_EV_COLLISION_DUMP, BGP_ERR_CEASE, BGP_CEASE_COLLISION},
};

static void drive_to(struct bgp_fsm *fsm, enum bgp_state target)
{
	static const enum bgp_event path[] = {BGP_EV_MANUAL_START, BGP_EV_TCP_CR_ACKED, BGP_EV_OPEN,
					      BGP_EV_KEEPALIVE};

	bgp_fsm_init(fsm, &ops, NULL, false);
	for (size_t i = 0; i < sizeof(path) / sizeof(path[0]) && fsm->state != target; i++)
		bgp_fsm_event(fsm, path[i]);
	ck_assert_int_eq(fsm->state, target);
}

START_TEST(test_error_notifications)
{
	const struct error_case *tc = &error_cases[_i];
	struct bgp_fsm fsm;

	reset();
	drive_to(&fsm, tc->from);
	reset();
	ck_assert_int_eq(bgp_fsm_event(&fsm, tc->ev), BGP_STATE_IDLE);
	ck_assert_msg(trace[0] == 'N', "%s in %s: trace %s", bgp_event_name(tc->ev), bgp_state_name(tc->from), trace);
	ck_assert_uint_eq(last_notification.code, tc->code);
	ck_assert_uint_eq(last_notification.subcode, tc->subcode);
	/* All timers stopped, connection dropped, owner told; in that order. */
	ck_assert_str_eq(trace + 1, "rxaDV");
	ck_assert_str_ne(fsm.last_reset, "");
}
END_TEST

START_TEST(test_parser_errors_use_pending_notification)
{
	struct bgp_fsm fsm;

	reset();
	establish(&fsm);
	fsm.pending_error = (struct bgp_error){.code = BGP_ERR_UPDATE, .subcode = BGP_UPD_MALFORMED_AS_PATH};
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_UPDATE_ERR), BGP_STATE_IDLE);
	ck_assert_uint_eq(last_notification.code, BGP_ERR_UPDATE);
	ck_assert_uint_eq(last_notification.subcode, BGP_UPD_MALFORMED_AS_PATH);
	ck_assert_str_eq(fsm.last_reset, "UPDATE message error");
	ck_assert_uint_eq(fsm.connect_retry_counter, 1);
}
END_TEST

START_TEST(test_established_traffic)
{
	struct bgp_fsm fsm;

	reset();
	establish(&fsm);
	bgp_fsm_event(&fsm, BGP_EV_UPDATE);
	bgp_fsm_event(&fsm, BGP_EV_KEEPALIVE);
	bgp_fsm_event(&fsm, BGP_EV_KEEPALIVE_EXPIRES);
	bgp_fsm_event(&fsm, BGP_EV_ROUTE_REFRESH);
	ck_assert_str_eq(trace, "HUHKAHF");
	ck_assert_int_eq(fsm.state, BGP_STATE_ESTABLISHED);
	/* A NOTIFICATION from the peer: no NOTIFICATION back. */
	reset();
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_NOTIFICATION), BGP_STATE_IDLE);
	ck_assert_str_eq(trace, "rxaDV");
}
END_TEST

START_TEST(test_idle_ignores_and_stop_before_connection)
{
	struct bgp_fsm fsm;

	reset();
	bgp_fsm_init(&fsm, &ops, NULL, false);
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_KEEPALIVE), BGP_STATE_IDLE);
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_HOLD_EXPIRES), BGP_STATE_IDLE);
	ck_assert_str_eq(trace, "");
	/* A connection that reports in while Idle is dropped. */
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_TCP_CONFIRMED), BGP_STATE_IDLE);
	ck_assert_str_eq(trace, "D");
	reset();
	bgp_fsm_event(&fsm, BGP_EV_MANUAL_START);
	ck_assert_int_eq(bgp_fsm_event(&fsm, BGP_EV_MANUAL_STOP), BGP_STATE_IDLE);
	ck_assert_str_eq(trace, "RCrxaDV");
	ck_assert_str_eq(fsm.last_reset, "Admin. shutdown");
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(bgp_state_name(BGP_STATE_OPENCONFIRM), "OpenConfirm");
	ck_assert_str_eq(bgp_state_name(BGP_STATE_COUNT), "Unknown");
	ck_assert_str_eq(bgp_event_name(BGP_EV_TCP_CR_ACKED), "Tcp_CR_Acked");
	ck_assert_str_eq(bgp_event_name((enum bgp_event)99), "Unknown");
}
END_TEST

static Suite *bgp_fsm_suite(void)
{
	Suite *s = suite_create("bgp_fsm");
	TCase *tc = tcase_create("fsm");

	tcase_add_test(tc, test_active_open_to_established);
	tcase_add_test(tc, test_passive_waits_in_active);
	tcase_add_test(tc, test_connect_failure_paths);
	tcase_add_loop_test(tc, test_error_notifications, 0, (int)(sizeof(error_cases) / sizeof(error_cases[0])));
	tcase_add_test(tc, test_parser_errors_use_pending_notification);
	tcase_add_test(tc, test_established_traffic);
	tcase_add_test(tc, test_idle_ignores_and_stop_before_connection);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(bgp_fsm_suite());
}
