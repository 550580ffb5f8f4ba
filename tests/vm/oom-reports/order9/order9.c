// SPDX-License-Identifier: GPL-2.0
/*
 * order9: takes order-9 (2 MiB) blocks with GFP_KERNEL | __GFP_NORETRY until
 * the page allocator fails one, so that the kernel prints its "page
 * allocation failure: order:9" warning with the Mem-Info dump (no
 * __GFP_NOWARN), then gives every block back. For the fixtures of
 * tests/vm/oom-reports/capture-oom-reports.sh; never load it on a real host.
 */
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>

#define ORDER 9

static int __init order9_init(void)
{
	LIST_HEAD(blocks);
	struct page *page, *next;
	unsigned long n = 0;

	pr_info("order9: allocating order-%d blocks until one fails\n", ORDER);
	for (;;) {
		page = alloc_pages(GFP_KERNEL | __GFP_NORETRY, ORDER);
		if (!page)
			break;
		/* A non-compound block off the LRU: its lru field is ours. */
		list_add(&page->lru, &blocks);
		n++;
		cond_resched();
	}
	pr_info("order9: order-%d allocation failed after %lu blocks (%lu MiB); freeing them\n",
		ORDER, n, n << (ORDER + PAGE_SHIFT - 20));
	list_for_each_entry_safe(page, next, &blocks, lru) {
		list_del(&page->lru);
		__free_pages(page, ORDER);
	}
	return 0;
}

static void __exit order9_exit(void)
{
}

module_init(order9_init);
module_exit(order9_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Take order-9 blocks until the page allocator fails one (test fixture)");
