/*
 * The visibility matrix of network domains (domain_view.h).
 */
#include "domain_view.h"

#include <string.h>

int domain_view_init(struct domain_view *v, unsigned count)
{
	if (count == 0 || count > DOMAIN_MAX)
		return -1;
	memset(v, 0, sizeof(*v));
	v->count = count;
	for (unsigned i = 0; i < count; i++)
		v->sees[i] = (uint64_t)1 << i;
	return 0;
}

static bool pair_valid(const struct domain_view *v, unsigned a, unsigned b)
{
	return a < v->count && b < v->count && a != b;
}

int domain_view_connect(struct domain_view *v, unsigned a, unsigned b)
{
	if (!pair_valid(v, a, b))
		return -1;
	v->sees[a] |= (uint64_t)1 << b;
	v->sees[b] |= (uint64_t)1 << a;
	return 0;
}

int domain_view_disconnect(struct domain_view *v, unsigned a, unsigned b)
{
	if (!pair_valid(v, a, b))
		return -1;
	v->sees[a] &= ~((uint64_t)1 << b);
	v->sees[b] &= ~((uint64_t)1 << a);
	return 0;
}

bool domain_view_connected(const struct domain_view *v, unsigned a, unsigned b)
{
	return pair_valid(v, a, b) && domain_view_sees(v, a, b);
}

int domain_view_number(const struct domain_config *dc, const char *name)
{
	if (name[0] == '\0' || domain_is_default(name))
		return 0;
	int i = domain_index(dc, name);
	return i < 0 ? -1 : i + 1;
}

const char *domain_view_name(const struct domain_config *dc, unsigned n)
{
	if (n == 0)
		return DOMAIN_DEFAULT_NAME;
	return n - 1 < dc->count ? dc->domains[n - 1].name : NULL;
}

int domain_view_build(struct domain_view *v, const struct domain_config *dc)
{
	if (domain_view_init(v, (unsigned)dc->count + 1) != 0)
		return -1;
	for (size_t i = 0; i < dc->policy_count; i++) {
		int a = domain_view_number(dc, dc->policies[i].a), b = domain_view_number(dc, dc->policies[i].b);
		if (a < 0 || b < 0 || domain_view_connect(v, (unsigned)a, (unsigned)b) != 0)
			return -1;
	}
	return 0;
}
