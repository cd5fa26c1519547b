// SPDX-License-Identifier: GPL-2.0
/*
 * btf_targets: one pass finds what btf__find_by_name_kind finds name by name,
 * in a BTF made here (a "vmlinux" and a module split on it), ids included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <bpf/btf.h>

#include "btf_targets.h"

/* A function NAME(int, ..., nargs ints) and a tracepoint btf_trace_NAME(void *, nargs ints). */
static int add_func(struct btf *b, int int_id, const char *name, int nargs)
{
	int proto = btf__add_func_proto(b, int_id);

	for (int i = 0; i < nargs; i++)
		btf__add_func_param(b, "a", int_id);
	return btf__add_func(b, name, BTF_FUNC_GLOBAL, proto);
}

static int add_tp(struct btf *b, int int_id, const char *tp, int nargs)
{
	char name[64];
	int data = btf__add_ptr(b, 0); /* before the proto: its params must follow it */
	int proto = btf__add_func_proto(b, 0), ptr;

	btf__add_func_param(b, "__data", data);
	for (int i = 0; i < nargs; i++)
		btf__add_func_param(b, "a", int_id);
	ptr = btf__add_ptr(b, proto);
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__add_typedef(b, name, ptr);
}

struct fixture {
	struct btf *base, *mod;
	int int_id;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char name[32];

	f->base = btf__new_empty();
	f->int_id = btf__add_int(f->base, "int", 4, BTF_INT_SIGNED);
	for (int i = 0; i < 3000; i++) { /* filler, and names the module shares */
		snprintf(name, sizeof(name), "fn_%d", i);
		add_func(f->base, f->int_id, name, i % 4);
	}
	add_tp(f->base, f->int_id, "inet_sock_set_state", 1);
	/* the same name as a typedef and as a function: kinds are told apart */
	add_func(f->base, f->int_id, "btf_trace_twin", 2);
	f->mod = btf__new_empty_split(f->base);
	add_func(f->mod, f->int_id, "cifs_negotiate_protocol", 4);
	add_tp(f->mod, f->int_id, "smb3_cmd_err", 7);
	add_tp(f->mod, f->int_id, "twin", 3);
	add_func(f->mod, f->int_id, "fn_7", 1); /* again in the module: the base's comes first */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	btf__free(f->mod);
	btf__free(f->base);
	free(f);
	return 0;
}

static void test_one_pass_agrees_with_libbpf(void **state)
{
	struct fixture *f = *state;
	struct btf_target t[] = {
		{ "cifs_negotiate_protocol", BTF_KIND_FUNC, 0 },
		{ "btf_trace_smb3_cmd_err", BTF_KIND_TYPEDEF, 0 },
		{ "btf_trace_inet_sock_set_state", BTF_KIND_TYPEDEF, 0 },
		{ "btf_trace_twin", BTF_KIND_TYPEDEF, 0 },
		{ "btf_trace_twin", BTF_KIND_FUNC, 0 },
		{ "fn_7", BTF_KIND_FUNC, 0 },
		{ "fn_2999", BTF_KIND_FUNC, 0 },
		{ "smb_recv_kvec", BTF_KIND_FUNC, 0 }, /* absent */
		{ "fn_7", BTF_KIND_TYPEDEF, 0 },       /* absent: wrong kind */
	};
	int n = sizeof(t) / sizeof(t[0]);

	btf_targets_find(f->mod, t, n);
	for (int i = 0; i < n; i++) {
		int want = btf__find_by_name_kind(f->mod, t[i].name, t[i].kind);

		assert_int_equal(t[i].id, want < 0 ? -1 : want);
	}
	assert_int_equal(t[7].id, -1);
	assert_true(t[0].id >= (int)btf__type_cnt(f->base)); /* the module's own */
	assert_true(t[2].id < (int)btf__type_cnt(f->base));  /* the base's */
	assert_true(t[5].id < (int)btf__type_cnt(f->base));  /* the first of two */
}

static void test_arguments_of_functions_and_tracepoints(void **state)
{
	struct fixture *f = *state;
	struct btf_target t[] = {
		{ "cifs_negotiate_protocol", BTF_KIND_FUNC, 0 },
		{ "btf_trace_smb3_cmd_err", BTF_KIND_TYPEDEF, 0 },
		{ "btf_trace_twin", BTF_KIND_TYPEDEF, 0 },
	};

	btf_targets_find(f->mod, t, 3);
	assert_int_equal(btf_target_nargs(f->mod, t[0].id, false), 4);
	assert_int_equal(btf_target_nargs(f->mod, t[1].id, true), 7);
	assert_int_equal(btf_target_nargs(f->mod, t[2].id, true), 3);
	assert_int_equal(btf_target_nargs(f->mod, -1, false), -1);
	assert_int_equal(btf_target_nargs(f->mod, f->int_id, false), -1); /* not a function */
}

static void test_many_targets_and_none(void **state)
{
	struct fixture *f = *state;
	struct btf_target t[40];
	char names[40][16];

	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "fn_%d", i * 70);
		t[i].name = names[i];
		t[i].kind = BTF_KIND_FUNC;
	}
	btf_targets_find(f->base, t, 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(t[i].id, btf__find_by_name_kind(f->base, names[i], BTF_KIND_FUNC));
	btf_targets_find(f->base, t, 0); /* nothing asked: nothing touched, no crash */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_pass_agrees_with_libbpf),
		cmocka_unit_test(test_arguments_of_functions_and_tracepoints),
		cmocka_unit_test(test_many_targets_and_none),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
