/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "alloc-count.h"

#include <stddef.h>

static unsigned long allocations;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
        allocations++;
        return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
        allocations++;
        return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
        allocations++;
        return __real_realloc(p, n);
}

unsigned long alloc_count(void)
{
        return allocations;
}
