/*
 * Network domains in the configuration: the sorted lists, their printer
 * and JSON form (domain_config.h).
 */
#include "domain_config.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sorted_array.h"

struct domain_config *domain_config_new(void)
{
	return calloc(1, sizeof(struct domain_config));
}

static void domain_def_fini(struct domain_def *d)
{
	free(d->ifnames);
	d->ifnames = NULL;
	d->ifname_count = d->ifname_cap = 0;
}

void domain_config_free(struct domain_config *dc)
{
	if (dc == NULL)
		return;
	for (size_t i = 0; i < dc->count; i++)
		domain_def_fini(&dc->domains[i]);
	free(dc->domains);
	free(dc->policies);
	free(dc);
}

struct domain_config *domain_config_clone(const struct domain_config *dc)
{
	struct domain_config *copy = domain_config_new();

	if (copy == NULL)
		return NULL;
	if (dc->count > 0) {
		copy->domains = calloc(dc->count, sizeof(*copy->domains));
		if (copy->domains == NULL)
			goto fail;
		copy->cap = dc->count;
		for (size_t i = 0; i < dc->count; i++) {
			struct domain_def *d = &copy->domains[i];
			*d = dc->domains[i];
			d->ifnames = NULL;
			d->ifname_cap = 0;
			copy->count = i + 1;
			if (d->ifname_count > 0) {
				d->ifnames = malloc(d->ifname_count * sizeof(*d->ifnames));
				if (d->ifnames == NULL) {
					d->ifname_count = 0;
					goto fail;
				}
				memcpy(d->ifnames, dc->domains[i].ifnames, d->ifname_count * sizeof(*d->ifnames));
				d->ifname_cap = d->ifname_count;
			}
		}
	}
	if (dc->policy_count > 0) {
		copy->policies = malloc(dc->policy_count * sizeof(*copy->policies));
		if (copy->policies == NULL)
			goto fail;
		memcpy(copy->policies, dc->policies, dc->policy_count * sizeof(*copy->policies));
		copy->policy_count = copy->policy_cap = dc->policy_count;
	}
	return copy;
fail:
	domain_config_free(copy);
	return NULL;
}

bool domain_config_equal(const struct domain_config *a, const struct domain_config *b)
{
	if (a->count != b->count || a->policy_count != b->policy_count)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const struct domain_def *x = &a->domains[i], *y = &b->domains[i];
		if (strcmp(x->name, y->name) != 0 || x->table != y->table || x->ifname_count != y->ifname_count ||
		    (x->ifname_count > 0 && memcmp(x->ifnames, y->ifnames, x->ifname_count * sizeof(*x->ifnames)) != 0))
			return false;
	}
	for (size_t i = 0; i < a->policy_count; i++)
		if (strcmp(a->policies[i].a, b->policies[i].a) != 0 || strcmp(a->policies[i].b, b->policies[i].b) != 0)
			return false;
	return true;
}

bool domain_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > DOMAIN_NAME_MAX || !isalpha((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
			return false;
	return true;
}

bool domain_is_default(const char *name)
{
	return strcmp(name, DOMAIN_DEFAULT_NAME) == 0;
}

/* The names are the first member of each element: strcmp on the element. */
static int name_cmp(const void *elem_key, const void *key)
{
	return strcmp(elem_key, key);
}

static size_t domain_search(const struct domain_config *dc, const char *name, bool *found)
{
	return sarray_search(dc->domains, dc->count, sizeof(*dc->domains), offsetof(struct domain_def, name), name,
			     name_cmp, found);
}

struct domain_def *domain_find(const struct domain_config *dc, const char *name)
{
	bool found;
	size_t i = domain_search(dc, name, &found);

	return found ? &dc->domains[i] : NULL;
}

int domain_index(const struct domain_config *dc, const char *name)
{
	bool found;
	size_t i = domain_search(dc, name, &found);

	return found ? (int)i : -1;
}

bool domain_exists(const struct domain_config *dc, const char *name)
{
	return domain_is_default(name) || domain_find(dc, name) != NULL;
}

bool domain_table_valid(uint32_t table)
{
	return table != 0 && (table < 252 || table > 255);
}

const struct domain_def *domain_by_table(const struct domain_config *dc, uint32_t table, const struct domain_def *skip)
{
	for (size_t i = 0; i < dc->count; i++)
		if (&dc->domains[i] != skip && dc->domains[i].table == table)
			return &dc->domains[i];
	return NULL;
}

uint32_t domain_table_allocate(const struct domain_config *dc)
{
	/* At most DOMAIN_MAX tables are taken, so one of the first
	 * DOMAIN_MAX + 1 numbers is free. */
	for (uint32_t t = DOMAIN_TABLE_AUTO_FIRST; t <= DOMAIN_TABLE_AUTO_FIRST + DOMAIN_MAX; t++)
		if (domain_by_table(dc, t, NULL) == NULL)
			return t;
	return 0;
}

struct domain_def *domain_get(struct domain_config *dc, const char *name)
{
	bool found;
	size_t i = domain_search(dc, name, &found);

	if (found)
		return &dc->domains[i];
	/* The default domain is one of the DOMAIN_MAX. */
	uint32_t table = domain_table_allocate(dc);
	if (dc->count + 1 >= DOMAIN_MAX || table == 0 ||
	    sarray_insert((void **)&dc->domains, &dc->count, &dc->cap, sizeof(*dc->domains), i) != 0)
		return NULL;
	struct domain_def *d = &dc->domains[i];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->table = table;
	return d;
}

void domain_delete(struct domain_config *dc, const char *name)
{
	bool found;
	size_t i = domain_search(dc, name, &found);

	if (!found)
		return;
	domain_def_fini(&dc->domains[i]);
	sarray_remove(dc->domains, &dc->count, sizeof(*dc->domains), i);
}

static size_t ifname_search(const struct domain_def *d, const char *ifname, bool *found)
{
	return sarray_search(d->ifnames, d->ifname_count, sizeof(*d->ifnames), 0, ifname, name_cmp, found);
}

const struct domain_def *domain_of_interface(const struct domain_config *dc, const char *ifname)
{
	bool found;

	for (size_t i = 0; i < dc->count; i++) {
		ifname_search(&dc->domains[i], ifname, &found);
		if (found)
			return &dc->domains[i];
	}
	return NULL;
}

int domain_interface_add(struct domain_def *d, const char *ifname)
{
	bool found;
	size_t i = ifname_search(d, ifname, &found);

	if (found)
		return 1;
	if (d->ifname_count >= DOMAIN_IFACE_MAX ||
	    sarray_insert((void **)&d->ifnames, &d->ifname_count, &d->ifname_cap, sizeof(*d->ifnames), i) != 0)
		return -1;
	snprintf(d->ifnames[i], sizeof(d->ifnames[i]), "%s", ifname);
	return 0;
}

int domain_interface_delete(struct domain_def *d, const char *ifname)
{
	bool found;
	size_t i = ifname_search(d, ifname, &found);

	if (!found)
		return -1;
	sarray_remove(d->ifnames, &d->ifname_count, sizeof(*d->ifnames), i);
	return 0;
}

static int policy_cmp(const void *elem_key, const void *key)
{
	const struct domain_policy *x = elem_key, *y = key;
	int c = strcmp(x->a, y->a);

	return c != 0 ? c : strcmp(x->b, y->b);
}

static struct domain_policy policy_key(const char *a, const char *b)
{
	struct domain_policy k;

	if (strcmp(a, b) > 0) {
		const char *t = a;
		a = b;
		b = t;
	}
	snprintf(k.a, sizeof(k.a), "%s", a);
	snprintf(k.b, sizeof(k.b), "%s", b);
	return k;
}

static size_t policy_search(const struct domain_config *dc, const struct domain_policy *k, bool *found)
{
	return sarray_search(dc->policies, dc->policy_count, sizeof(*dc->policies), 0, k, policy_cmp, found);
}

const struct domain_policy *domain_policy_find(const struct domain_config *dc, const char *a, const char *b)
{
	struct domain_policy k = policy_key(a, b);
	bool found;
	size_t i = policy_search(dc, &k, &found);

	return found ? &dc->policies[i] : NULL;
}

int domain_policy_add(struct domain_config *dc, const char *a, const char *b)
{
	struct domain_policy k = policy_key(a, b);
	bool found;
	size_t i = policy_search(dc, &k, &found);

	if (found)
		return 1;
	if (sarray_insert((void **)&dc->policies, &dc->policy_count, &dc->policy_cap, sizeof(*dc->policies), i) != 0)
		return -1;
	dc->policies[i] = k;
	return 0;
}

int domain_policy_delete(struct domain_config *dc, const char *a, const char *b)
{
	struct domain_policy k = policy_key(a, b);
	bool found;
	size_t i = policy_search(dc, &k, &found);

	if (!found)
		return -1;
	sarray_remove(dc->policies, &dc->policy_count, sizeof(*dc->policies), i);
	return 0;
}

bool domain_policy_names(const struct domain_config *dc, const char *name)
{
	for (size_t i = 0; i < dc->policy_count; i++)
		if (strcmp(dc->policies[i].a, name) == 0 || strcmp(dc->policies[i].b, name) == 0)
			return true;
	return false;
}

void domain_config_print(const struct domain_config *dc, FILE *out)
{
	for (size_t i = 0; i < dc->count; i++) {
		const struct domain_def *d = &dc->domains[i];
		fprintf(out, "domain %s\n table %u\n", d->name, d->table);
		for (size_t k = 0; k < d->ifname_count; k++)
			fprintf(out, " interface %s\n", d->ifnames[k]);
		fputs("exit\n!\n", out);
	}
	for (size_t i = 0; i < dc->policy_count; i++)
		fprintf(out, "domain-policy %s %s\n", dc->policies[i].a, dc->policies[i].b);
	if (dc->policy_count > 0)
		fputs("!\n", out);
}

struct json_object *domain_config_to_json(const struct domain_config *dc)
{
	struct json_object *root = json_object_new_object();
	struct json_object *doms = json_object_new_object();
	struct json_object *pols = json_object_new_array();

	for (size_t i = 0; i < dc->count; i++) {
		const struct domain_def *d = &dc->domains[i];
		struct json_object *o = json_object_new_object();
		struct json_object *ifs = json_object_new_array();
		json_object_object_add(o, "table", json_object_new_int64(d->table));
		for (size_t k = 0; k < d->ifname_count; k++)
			json_object_array_add(ifs, json_object_new_string(d->ifnames[k]));
		json_object_object_add(o, "interfaces", ifs);
		json_object_object_add(doms, d->name, o);
	}
	for (size_t i = 0; i < dc->policy_count; i++) {
		struct json_object *pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_string(dc->policies[i].a));
		json_object_array_add(pair, json_object_new_string(dc->policies[i].b));
		json_object_array_add(pols, pair);
	}
	json_object_object_add(root, "domains", doms);
	json_object_object_add(root, "policies", pols);
	return root;
}
